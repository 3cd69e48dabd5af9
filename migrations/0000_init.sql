CREATE TABLE "controllers" (
	"id" serial PRIMARY KEY NOT NULL,
	"created" timestamp with time zone DEFAULT now() NOT NULL,
	"updated" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"write_protect" boolean DEFAULT false NOT NULL,
	"enacted" timestamp with time zone,
	"backend_code" integer DEFAULT 0 NOT NULL,
	"backend_status" varchar(1024) DEFAULT '0 - Provisioning in progress' NOT NULL,
	"backend_reason" varchar(32),
	"backend_request_id" varchar(128),
	"last_sync" timestamp with time zone,
	"next_retry" timestamp with time zone,
	"retry_count" integer DEFAULT 0 NOT NULL,
	"lease_owner" varchar(128),
	"lease_until" timestamp with time zone,
	"no_sync" boolean DEFAULT false NOT NULL,
	"name" varchar(200) NOT NULL,
	"deployment" integer NOT NULL,
	"backend_type" varchar(32) DEFAULT 'OpenStack' NOT NULL,
	"backend_version" varchar(200),
	"auth_url" varchar(1024) NOT NULL,
	"admin_user" varchar(200) NOT NULL,
	"admin_password" text NOT NULL,
	"admin_tenant" varchar(200) DEFAULT 'admin' NOT NULL,
	"domain" varchar(200) DEFAULT 'Default' NOT NULL,
	"region" varchar(200),
	"ca_bundle" text,
	"endpoint_rewrite" jsonb DEFAULT '{}' NOT NULL
);
--> statement-breakpoint
CREATE TABLE "deployments" (
	"id" serial PRIMARY KEY NOT NULL,
	"created" timestamp with time zone DEFAULT now() NOT NULL,
	"updated" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"write_protect" boolean DEFAULT false NOT NULL,
	"name" varchar(200) NOT NULL,
	"access_control" text DEFAULT 'allow all' NOT NULL
);
--> statement-breakpoint
CREATE TABLE "nodes" (
	"id" serial PRIMARY KEY NOT NULL,
	"created" timestamp with time zone DEFAULT now() NOT NULL,
	"updated" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"write_protect" boolean DEFAULT false NOT NULL,
	"name" varchar(200) NOT NULL,
	"site_deployment" integer NOT NULL,
	"site" integer
);
--> statement-breakpoint
CREATE TABLE "sites" (
	"id" serial PRIMARY KEY NOT NULL,
	"created" timestamp with time zone DEFAULT now() NOT NULL,
	"updated" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"write_protect" boolean DEFAULT false NOT NULL,
	"enacted" timestamp with time zone,
	"backend_code" integer DEFAULT 0 NOT NULL,
	"backend_status" varchar(1024) DEFAULT '0 - Provisioning in progress' NOT NULL,
	"backend_reason" varchar(32),
	"backend_request_id" varchar(128),
	"last_sync" timestamp with time zone,
	"next_retry" timestamp with time zone,
	"retry_count" integer DEFAULT 0 NOT NULL,
	"lease_owner" varchar(128),
	"lease_until" timestamp with time zone,
	"no_sync" boolean DEFAULT false NOT NULL,
	"name" varchar(200) NOT NULL,
	"login_base" varchar(50) NOT NULL,
	"abbreviated_name" varchar(80),
	"site_url" varchar(512),
	"enabled" boolean DEFAULT true NOT NULL,
	"is_public" boolean DEFAULT true NOT NULL,
	"hosts_nodes" boolean DEFAULT true NOT NULL,
	"hosts_users" boolean DEFAULT true NOT NULL,
	"longitude" double precision,
	"latitude" double precision
);
--> statement-breakpoint
CREATE TABLE "site_deployments" (
	"id" serial PRIMARY KEY NOT NULL,
	"created" timestamp with time zone DEFAULT now() NOT NULL,
	"updated" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"write_protect" boolean DEFAULT false NOT NULL,
	"site" integer NOT NULL,
	"deployment" integer NOT NULL,
	"controller" integer,
	"availability_zone" varchar(200)
);
--> statement-breakpoint
CREATE TABLE "deployment_privileges" (
	"id" serial PRIMARY KEY NOT NULL,
	"created" timestamp with time zone DEFAULT now() NOT NULL,
	"updated" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"write_protect" boolean DEFAULT false NOT NULL,
	"user" integer NOT NULL,
	"deployment" integer NOT NULL,
	"role" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "deployment_roles" (
	"id" serial PRIMARY KEY NOT NULL,
	"created" timestamp with time zone DEFAULT now() NOT NULL,
	"updated" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"write_protect" boolean DEFAULT false NOT NULL,
	"role" varchar(32) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "site_privileges" (
	"id" serial PRIMARY KEY NOT NULL,
	"created" timestamp with time zone DEFAULT now() NOT NULL,
	"updated" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"write_protect" boolean DEFAULT false NOT NULL,
	"enacted" timestamp with time zone,
	"backend_code" integer DEFAULT 0 NOT NULL,
	"backend_status" varchar(1024) DEFAULT '0 - Provisioning in progress' NOT NULL,
	"backend_reason" varchar(32),
	"backend_request_id" varchar(128),
	"last_sync" timestamp with time zone,
	"next_retry" timestamp with time zone,
	"retry_count" integer DEFAULT 0 NOT NULL,
	"lease_owner" varchar(128),
	"lease_until" timestamp with time zone,
	"no_sync" boolean DEFAULT false NOT NULL,
	"user" integer NOT NULL,
	"site" integer NOT NULL,
	"role" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "site_roles" (
	"id" serial PRIMARY KEY NOT NULL,
	"created" timestamp with time zone DEFAULT now() NOT NULL,
	"updated" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"write_protect" boolean DEFAULT false NOT NULL,
	"role" varchar(32) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "slices" (
	"id" serial PRIMARY KEY NOT NULL,
	"created" timestamp with time zone DEFAULT now() NOT NULL,
	"updated" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"write_protect" boolean DEFAULT false NOT NULL,
	"enacted" timestamp with time zone,
	"backend_code" integer DEFAULT 0 NOT NULL,
	"backend_status" varchar(1024) DEFAULT '0 - Provisioning in progress' NOT NULL,
	"backend_reason" varchar(32),
	"backend_request_id" varchar(128),
	"last_sync" timestamp with time zone,
	"next_retry" timestamp with time zone,
	"retry_count" integer DEFAULT 0 NOT NULL,
	"lease_owner" varchar(128),
	"lease_until" timestamp with time zone,
	"no_sync" boolean DEFAULT false NOT NULL,
	"name" varchar(80) NOT NULL,
	"site" integer NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"description" text,
	"slice_url" varchar(512),
	"max_instances" integer DEFAULT 10 NOT NULL,
	"creator" integer,
	"default_image" integer,
	"default_flavor" integer
);
--> statement-breakpoint
CREATE TABLE "slice_privileges" (
	"id" serial PRIMARY KEY NOT NULL,
	"created" timestamp with time zone DEFAULT now() NOT NULL,
	"updated" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"write_protect" boolean DEFAULT false NOT NULL,
	"enacted" timestamp with time zone,
	"backend_code" integer DEFAULT 0 NOT NULL,
	"backend_status" varchar(1024) DEFAULT '0 - Provisioning in progress' NOT NULL,
	"backend_reason" varchar(32),
	"backend_request_id" varchar(128),
	"last_sync" timestamp with time zone,
	"next_retry" timestamp with time zone,
	"retry_count" integer DEFAULT 0 NOT NULL,
	"lease_owner" varchar(128),
	"lease_until" timestamp with time zone,
	"no_sync" boolean DEFAULT false NOT NULL,
	"user" integer NOT NULL,
	"slice" integer NOT NULL,
	"role" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "slice_roles" (
	"id" serial PRIMARY KEY NOT NULL,
	"created" timestamp with time zone DEFAULT now() NOT NULL,
	"updated" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"write_protect" boolean DEFAULT false NOT NULL,
	"role" varchar(32) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" serial PRIMARY KEY NOT NULL,
	"created" timestamp with time zone DEFAULT now() NOT NULL,
	"updated" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"write_protect" boolean DEFAULT false NOT NULL,
	"enacted" timestamp with time zone,
	"backend_code" integer DEFAULT 0 NOT NULL,
	"backend_status" varchar(1024) DEFAULT '0 - Provisioning in progress' NOT NULL,
	"backend_reason" varchar(32),
	"backend_request_id" varchar(128),
	"last_sync" timestamp with time zone,
	"next_retry" timestamp with time zone,
	"retry_count" integer DEFAULT 0 NOT NULL,
	"lease_owner" varchar(128),
	"lease_until" timestamp with time zone,
	"no_sync" boolean DEFAULT false NOT NULL,
	"email" varchar(255) NOT NULL,
	"password" text,
	"firstname" varchar(200) NOT NULL,
	"lastname" varchar(200) NOT NULL,
	"phone" varchar(100),
	"user_url" varchar(512),
	"site" integer NOT NULL,
	"public_key" text,
	"is_active" boolean DEFAULT true NOT NULL,
	"is_admin" boolean DEFAULT false NOT NULL,
	"is_readonly" boolean DEFAULT false NOT NULL,
	"timezone" varchar(100) DEFAULT 'UTC' NOT NULL
);
--> statement-breakpoint
CREATE TABLE "flavors" (
	"id" serial PRIMARY KEY NOT NULL,
	"created" timestamp with time zone DEFAULT now() NOT NULL,
	"updated" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"write_protect" boolean DEFAULT false NOT NULL,
	"enacted" timestamp with time zone,
	"backend_code" integer DEFAULT 0 NOT NULL,
	"backend_status" varchar(1024) DEFAULT '0 - Provisioning in progress' NOT NULL,
	"backend_reason" varchar(32),
	"backend_request_id" varchar(128),
	"last_sync" timestamp with time zone,
	"next_retry" timestamp with time zone,
	"retry_count" integer DEFAULT 0 NOT NULL,
	"lease_owner" varchar(128),
	"lease_until" timestamp with time zone,
	"no_sync" boolean DEFAULT false NOT NULL,
	"name" varchar(32) NOT NULL,
	"description" varchar(1024),
	"vcpus" integer DEFAULT 1 NOT NULL,
	"ram_mb" integer DEFAULT 2048 NOT NULL,
	"disk_gb" integer DEFAULT 20 NOT NULL,
	"order" integer DEFAULT 0 NOT NULL,
	"default" boolean DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE TABLE "images" (
	"id" serial PRIMARY KEY NOT NULL,
	"created" timestamp with time zone DEFAULT now() NOT NULL,
	"updated" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"write_protect" boolean DEFAULT false NOT NULL,
	"enacted" timestamp with time zone,
	"backend_code" integer DEFAULT 0 NOT NULL,
	"backend_status" varchar(1024) DEFAULT '0 - Provisioning in progress' NOT NULL,
	"backend_reason" varchar(32),
	"backend_request_id" varchar(128),
	"last_sync" timestamp with time zone,
	"next_retry" timestamp with time zone,
	"retry_count" integer DEFAULT 0 NOT NULL,
	"lease_owner" varchar(128),
	"lease_until" timestamp with time zone,
	"no_sync" boolean DEFAULT false NOT NULL,
	"name" varchar(256) NOT NULL,
	"disk_format" varchar(32) DEFAULT 'qcow2' NOT NULL,
	"container_format" varchar(32) DEFAULT 'bare' NOT NULL,
	"path" varchar(1024)
);
--> statement-breakpoint
CREATE TABLE "image_deployments" (
	"id" serial PRIMARY KEY NOT NULL,
	"created" timestamp with time zone DEFAULT now() NOT NULL,
	"updated" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"write_protect" boolean DEFAULT false NOT NULL,
	"image" integer NOT NULL,
	"deployment" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "instances" (
	"id" serial PRIMARY KEY NOT NULL,
	"created" timestamp with time zone DEFAULT now() NOT NULL,
	"updated" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"write_protect" boolean DEFAULT false NOT NULL,
	"enacted" timestamp with time zone,
	"backend_code" integer DEFAULT 0 NOT NULL,
	"backend_status" varchar(1024) DEFAULT '0 - Provisioning in progress' NOT NULL,
	"backend_reason" varchar(32),
	"backend_request_id" varchar(128),
	"last_sync" timestamp with time zone,
	"next_retry" timestamp with time zone,
	"retry_count" integer DEFAULT 0 NOT NULL,
	"lease_owner" varchar(128),
	"lease_until" timestamp with time zone,
	"no_sync" boolean DEFAULT false NOT NULL,
	"name" varchar(200),
	"slice" integer NOT NULL,
	"deployment" integer NOT NULL,
	"node" integer,
	"image" integer NOT NULL,
	"flavor" integer NOT NULL,
	"creator" integer,
	"number_cores" integer DEFAULT 0 NOT NULL,
	"user_data" text,
	"instance_name" varchar(64),
	"instance_id" varchar(64),
	"instance_uuid" varchar(64),
	"ip" "inet"
);
--> statement-breakpoint
CREATE TABLE "networks" (
	"id" serial PRIMARY KEY NOT NULL,
	"created" timestamp with time zone DEFAULT now() NOT NULL,
	"updated" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"write_protect" boolean DEFAULT false NOT NULL,
	"enacted" timestamp with time zone,
	"backend_code" integer DEFAULT 0 NOT NULL,
	"backend_status" varchar(1024) DEFAULT '0 - Provisioning in progress' NOT NULL,
	"backend_reason" varchar(32),
	"backend_request_id" varchar(128),
	"last_sync" timestamp with time zone,
	"next_retry" timestamp with time zone,
	"retry_count" integer DEFAULT 0 NOT NULL,
	"lease_owner" varchar(128),
	"lease_until" timestamp with time zone,
	"no_sync" boolean DEFAULT false NOT NULL,
	"name" varchar(32) NOT NULL,
	"template" integer NOT NULL,
	"owner" integer NOT NULL,
	"subnet" "cidr",
	"ports" varchar(1024),
	"labels" varchar(1024),
	"guaranteed_bandwidth" integer DEFAULT 0 NOT NULL,
	"permit_all_slices" boolean DEFAULT false NOT NULL,
	"permitted_slices" integer[] DEFAULT '{}' NOT NULL,
	"autoconnect" boolean DEFAULT true NOT NULL,
	"topology_parameters" text,
	"controller_url" varchar(1024),
	"controller_parameters" text
);
--> statement-breakpoint
CREATE TABLE "network_slices" (
	"id" serial PRIMARY KEY NOT NULL,
	"created" timestamp with time zone DEFAULT now() NOT NULL,
	"updated" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"write_protect" boolean DEFAULT false NOT NULL,
	"network" integer NOT NULL,
	"slice" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "network_templates" (
	"id" serial PRIMARY KEY NOT NULL,
	"created" timestamp with time zone DEFAULT now() NOT NULL,
	"updated" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"write_protect" boolean DEFAULT false NOT NULL,
	"name" varchar(32) NOT NULL,
	"description" varchar(1024),
	"guaranteed_bandwidth" integer DEFAULT 0 NOT NULL,
	"visibility" varchar(32) DEFAULT 'private' NOT NULL,
	"translation" varchar(32) DEFAULT 'none' NOT NULL,
	"shared_network_name" varchar(30),
	"shared_network_id" varchar(64),
	"topology_kind" varchar(32) DEFAULT 'bigswitch' NOT NULL,
	"controller_kind" varchar(32) DEFAULT 'none' NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ports" (
	"id" serial PRIMARY KEY NOT NULL,
	"created" timestamp with time zone DEFAULT now() NOT NULL,
	"updated" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"write_protect" boolean DEFAULT false NOT NULL,
	"enacted" timestamp with time zone,
	"backend_code" integer DEFAULT 0 NOT NULL,
	"backend_status" varchar(1024) DEFAULT '0 - Provisioning in progress' NOT NULL,
	"backend_reason" varchar(32),
	"backend_request_id" varchar(128),
	"last_sync" timestamp with time zone,
	"next_retry" timestamp with time zone,
	"retry_count" integer DEFAULT 0 NOT NULL,
	"lease_owner" varchar(128),
	"lease_until" timestamp with time zone,
	"no_sync" boolean DEFAULT false NOT NULL,
	"network" integer NOT NULL,
	"instance" integer,
	"ip" "inet",
	"mac" varchar(17),
	"port_id" varchar(64)
);
--> statement-breakpoint
CREATE TABLE "controller_images" (
	"id" serial PRIMARY KEY NOT NULL,
	"created" timestamp with time zone DEFAULT now() NOT NULL,
	"updated" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"write_protect" boolean DEFAULT false NOT NULL,
	"enacted" timestamp with time zone,
	"backend_code" integer DEFAULT 0 NOT NULL,
	"backend_status" varchar(1024) DEFAULT '0 - Provisioning in progress' NOT NULL,
	"backend_reason" varchar(32),
	"backend_request_id" varchar(128),
	"last_sync" timestamp with time zone,
	"next_retry" timestamp with time zone,
	"retry_count" integer DEFAULT 0 NOT NULL,
	"lease_owner" varchar(128),
	"lease_until" timestamp with time zone,
	"no_sync" boolean DEFAULT false NOT NULL,
	"controller" integer NOT NULL,
	"image" integer NOT NULL,
	"glance_image_id" varchar(64)
);
--> statement-breakpoint
CREATE TABLE "controller_networks" (
	"id" serial PRIMARY KEY NOT NULL,
	"created" timestamp with time zone DEFAULT now() NOT NULL,
	"updated" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"write_protect" boolean DEFAULT false NOT NULL,
	"enacted" timestamp with time zone,
	"backend_code" integer DEFAULT 0 NOT NULL,
	"backend_status" varchar(1024) DEFAULT '0 - Provisioning in progress' NOT NULL,
	"backend_reason" varchar(32),
	"backend_request_id" varchar(128),
	"last_sync" timestamp with time zone,
	"next_retry" timestamp with time zone,
	"retry_count" integer DEFAULT 0 NOT NULL,
	"lease_owner" varchar(128),
	"lease_until" timestamp with time zone,
	"no_sync" boolean DEFAULT false NOT NULL,
	"controller" integer NOT NULL,
	"network" integer NOT NULL,
	"net_id" varchar(64),
	"subnet_id" varchar(64),
	"router_id" varchar(64),
	"subnet" "cidr"
);
--> statement-breakpoint
CREATE TABLE "controller_sites" (
	"id" serial PRIMARY KEY NOT NULL,
	"created" timestamp with time zone DEFAULT now() NOT NULL,
	"updated" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"write_protect" boolean DEFAULT false NOT NULL,
	"enacted" timestamp with time zone,
	"backend_code" integer DEFAULT 0 NOT NULL,
	"backend_status" varchar(1024) DEFAULT '0 - Provisioning in progress' NOT NULL,
	"backend_reason" varchar(32),
	"backend_request_id" varchar(128),
	"last_sync" timestamp with time zone,
	"next_retry" timestamp with time zone,
	"retry_count" integer DEFAULT 0 NOT NULL,
	"lease_owner" varchar(128),
	"lease_until" timestamp with time zone,
	"no_sync" boolean DEFAULT false NOT NULL,
	"controller" integer NOT NULL,
	"site" integer NOT NULL,
	"tenant_id" varchar(64)
);
--> statement-breakpoint
CREATE TABLE "controller_site_privileges" (
	"id" serial PRIMARY KEY NOT NULL,
	"created" timestamp with time zone DEFAULT now() NOT NULL,
	"updated" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"write_protect" boolean DEFAULT false NOT NULL,
	"enacted" timestamp with time zone,
	"backend_code" integer DEFAULT 0 NOT NULL,
	"backend_status" varchar(1024) DEFAULT '0 - Provisioning in progress' NOT NULL,
	"backend_reason" varchar(32),
	"backend_request_id" varchar(128),
	"last_sync" timestamp with time zone,
	"next_retry" timestamp with time zone,
	"retry_count" integer DEFAULT 0 NOT NULL,
	"lease_owner" varchar(128),
	"lease_until" timestamp with time zone,
	"no_sync" boolean DEFAULT false NOT NULL,
	"controller" integer NOT NULL,
	"site_privilege" integer NOT NULL,
	"role_id" varchar(64)
);
--> statement-breakpoint
CREATE TABLE "controller_slices" (
	"id" serial PRIMARY KEY NOT NULL,
	"created" timestamp with time zone DEFAULT now() NOT NULL,
	"updated" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"write_protect" boolean DEFAULT false NOT NULL,
	"enacted" timestamp with time zone,
	"backend_code" integer DEFAULT 0 NOT NULL,
	"backend_status" varchar(1024) DEFAULT '0 - Provisioning in progress' NOT NULL,
	"backend_reason" varchar(32),
	"backend_request_id" varchar(128),
	"last_sync" timestamp with time zone,
	"next_retry" timestamp with time zone,
	"retry_count" integer DEFAULT 0 NOT NULL,
	"lease_owner" varchar(128),
	"lease_until" timestamp with time zone,
	"no_sync" boolean DEFAULT false NOT NULL,
	"controller" integer NOT NULL,
	"slice" integer NOT NULL,
	"tenant_id" varchar(64)
);
--> statement-breakpoint
CREATE TABLE "controller_slice_privileges" (
	"id" serial PRIMARY KEY NOT NULL,
	"created" timestamp with time zone DEFAULT now() NOT NULL,
	"updated" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"write_protect" boolean DEFAULT false NOT NULL,
	"enacted" timestamp with time zone,
	"backend_code" integer DEFAULT 0 NOT NULL,
	"backend_status" varchar(1024) DEFAULT '0 - Provisioning in progress' NOT NULL,
	"backend_reason" varchar(32),
	"backend_request_id" varchar(128),
	"last_sync" timestamp with time zone,
	"next_retry" timestamp with time zone,
	"retry_count" integer DEFAULT 0 NOT NULL,
	"lease_owner" varchar(128),
	"lease_until" timestamp with time zone,
	"no_sync" boolean DEFAULT false NOT NULL,
	"controller" integer NOT NULL,
	"slice_privilege" integer NOT NULL,
	"role_id" varchar(64)
);
--> statement-breakpoint
CREATE TABLE "controller_users" (
	"id" serial PRIMARY KEY NOT NULL,
	"created" timestamp with time zone DEFAULT now() NOT NULL,
	"updated" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"write_protect" boolean DEFAULT false NOT NULL,
	"enacted" timestamp with time zone,
	"backend_code" integer DEFAULT 0 NOT NULL,
	"backend_status" varchar(1024) DEFAULT '0 - Provisioning in progress' NOT NULL,
	"backend_reason" varchar(32),
	"backend_request_id" varchar(128),
	"last_sync" timestamp with time zone,
	"next_retry" timestamp with time zone,
	"retry_count" integer DEFAULT 0 NOT NULL,
	"lease_owner" varchar(128),
	"lease_until" timestamp with time zone,
	"no_sync" boolean DEFAULT false NOT NULL,
	"controller" integer NOT NULL,
	"user" integer NOT NULL,
	"kuser_id" varchar(64),
	"kuser_password" text
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" integer NOT NULL,
	"csrf" text NOT NULL,
	"created" timestamp with time zone DEFAULT now() NOT NULL,
	"expires" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "api_tokens" (
	"id" serial PRIMARY KEY NOT NULL,
	"user_id" integer NOT NULL,
	"name" varchar(200) NOT NULL,
	"token_hash" text NOT NULL,
	"prefix" varchar(16) NOT NULL,
	"created" timestamp with time zone DEFAULT now() NOT NULL,
	"expires" timestamp with time zone,
	"last_used" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"user_id" integer,
	"user_email" varchar(255),
	"action" varchar(32) NOT NULL,
	"model" varchar(64) NOT NULL,
	"object_id" integer,
	"changes" jsonb
);
--> statement-breakpoint
ALTER TABLE "controllers" ADD CONSTRAINT "controllers_deployment_deployments_id_fk" FOREIGN KEY ("deployment") REFERENCES "public"."deployments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "nodes" ADD CONSTRAINT "nodes_site_deployment_site_deployments_id_fk" FOREIGN KEY ("site_deployment") REFERENCES "public"."site_deployments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "nodes" ADD CONSTRAINT "nodes_site_sites_id_fk" FOREIGN KEY ("site") REFERENCES "public"."sites"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "site_deployments" ADD CONSTRAINT "site_deployments_site_sites_id_fk" FOREIGN KEY ("site") REFERENCES "public"."sites"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "site_deployments" ADD CONSTRAINT "site_deployments_deployment_deployments_id_fk" FOREIGN KEY ("deployment") REFERENCES "public"."deployments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "site_deployments" ADD CONSTRAINT "site_deployments_controller_controllers_id_fk" FOREIGN KEY ("controller") REFERENCES "public"."controllers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployment_privileges" ADD CONSTRAINT "deployment_privileges_user_users_id_fk" FOREIGN KEY ("user") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployment_privileges" ADD CONSTRAINT "deployment_privileges_deployment_deployments_id_fk" FOREIGN KEY ("deployment") REFERENCES "public"."deployments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployment_privileges" ADD CONSTRAINT "deployment_privileges_role_deployment_roles_id_fk" FOREIGN KEY ("role") REFERENCES "public"."deployment_roles"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "site_privileges" ADD CONSTRAINT "site_privileges_user_users_id_fk" FOREIGN KEY ("user") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "site_privileges" ADD CONSTRAINT "site_privileges_site_sites_id_fk" FOREIGN KEY ("site") REFERENCES "public"."sites"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "site_privileges" ADD CONSTRAINT "site_privileges_role_site_roles_id_fk" FOREIGN KEY ("role") REFERENCES "public"."site_roles"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "slices" ADD CONSTRAINT "slices_site_sites_id_fk" FOREIGN KEY ("site") REFERENCES "public"."sites"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "slices" ADD CONSTRAINT "slices_creator_users_id_fk" FOREIGN KEY ("creator") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "slices" ADD CONSTRAINT "slices_default_image_images_id_fk" FOREIGN KEY ("default_image") REFERENCES "public"."images"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "slices" ADD CONSTRAINT "slices_default_flavor_flavors_id_fk" FOREIGN KEY ("default_flavor") REFERENCES "public"."flavors"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "slice_privileges" ADD CONSTRAINT "slice_privileges_user_users_id_fk" FOREIGN KEY ("user") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "slice_privileges" ADD CONSTRAINT "slice_privileges_slice_slices_id_fk" FOREIGN KEY ("slice") REFERENCES "public"."slices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "slice_privileges" ADD CONSTRAINT "slice_privileges_role_slice_roles_id_fk" FOREIGN KEY ("role") REFERENCES "public"."slice_roles"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_site_sites_id_fk" FOREIGN KEY ("site") REFERENCES "public"."sites"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "image_deployments" ADD CONSTRAINT "image_deployments_image_images_id_fk" FOREIGN KEY ("image") REFERENCES "public"."images"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "image_deployments" ADD CONSTRAINT "image_deployments_deployment_deployments_id_fk" FOREIGN KEY ("deployment") REFERENCES "public"."deployments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "instances" ADD CONSTRAINT "instances_slice_slices_id_fk" FOREIGN KEY ("slice") REFERENCES "public"."slices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "instances" ADD CONSTRAINT "instances_deployment_deployments_id_fk" FOREIGN KEY ("deployment") REFERENCES "public"."deployments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "instances" ADD CONSTRAINT "instances_node_nodes_id_fk" FOREIGN KEY ("node") REFERENCES "public"."nodes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "instances" ADD CONSTRAINT "instances_image_images_id_fk" FOREIGN KEY ("image") REFERENCES "public"."images"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "instances" ADD CONSTRAINT "instances_flavor_flavors_id_fk" FOREIGN KEY ("flavor") REFERENCES "public"."flavors"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "instances" ADD CONSTRAINT "instances_creator_users_id_fk" FOREIGN KEY ("creator") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "networks" ADD CONSTRAINT "networks_template_network_templates_id_fk" FOREIGN KEY ("template") REFERENCES "public"."network_templates"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "networks" ADD CONSTRAINT "networks_owner_slices_id_fk" FOREIGN KEY ("owner") REFERENCES "public"."slices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "network_slices" ADD CONSTRAINT "network_slices_network_networks_id_fk" FOREIGN KEY ("network") REFERENCES "public"."networks"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "network_slices" ADD CONSTRAINT "network_slices_slice_slices_id_fk" FOREIGN KEY ("slice") REFERENCES "public"."slices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ports" ADD CONSTRAINT "ports_network_networks_id_fk" FOREIGN KEY ("network") REFERENCES "public"."networks"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ports" ADD CONSTRAINT "ports_instance_instances_id_fk" FOREIGN KEY ("instance") REFERENCES "public"."instances"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "controller_images" ADD CONSTRAINT "controller_images_controller_controllers_id_fk" FOREIGN KEY ("controller") REFERENCES "public"."controllers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "controller_images" ADD CONSTRAINT "controller_images_image_images_id_fk" FOREIGN KEY ("image") REFERENCES "public"."images"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "controller_networks" ADD CONSTRAINT "controller_networks_controller_controllers_id_fk" FOREIGN KEY ("controller") REFERENCES "public"."controllers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "controller_networks" ADD CONSTRAINT "controller_networks_network_networks_id_fk" FOREIGN KEY ("network") REFERENCES "public"."networks"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "controller_sites" ADD CONSTRAINT "controller_sites_controller_controllers_id_fk" FOREIGN KEY ("controller") REFERENCES "public"."controllers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "controller_sites" ADD CONSTRAINT "controller_sites_site_sites_id_fk" FOREIGN KEY ("site") REFERENCES "public"."sites"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "controller_site_privileges" ADD CONSTRAINT "controller_site_privileges_controller_controllers_id_fk" FOREIGN KEY ("controller") REFERENCES "public"."controllers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "controller_site_privileges" ADD CONSTRAINT "controller_site_privileges_site_privilege_site_privileges_id_fk" FOREIGN KEY ("site_privilege") REFERENCES "public"."site_privileges"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "controller_slices" ADD CONSTRAINT "controller_slices_controller_controllers_id_fk" FOREIGN KEY ("controller") REFERENCES "public"."controllers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "controller_slices" ADD CONSTRAINT "controller_slices_slice_slices_id_fk" FOREIGN KEY ("slice") REFERENCES "public"."slices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "controller_slice_privileges" ADD CONSTRAINT "controller_slice_privileges_controller_controllers_id_fk" FOREIGN KEY ("controller") REFERENCES "public"."controllers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "controller_slice_privileges" ADD CONSTRAINT "controller_slice_privileges_slice_privilege_slice_privileges_id_fk" FOREIGN KEY ("slice_privilege") REFERENCES "public"."slice_privileges"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "controller_users" ADD CONSTRAINT "controller_users_controller_controllers_id_fk" FOREIGN KEY ("controller") REFERENCES "public"."controllers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "controller_users" ADD CONSTRAINT "controller_users_user_users_id_fk" FOREIGN KEY ("user") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "controllers_name_key" ON "controllers" USING btree ("name") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "controllers_deployment_idx" ON "controllers" USING btree ("deployment");--> statement-breakpoint
CREATE INDEX "controllers_pending_idx" ON "controllers" USING btree ("next_retry") WHERE (deleted OR enacted IS NULL OR enacted < updated) AND NOT no_sync;--> statement-breakpoint
CREATE UNIQUE INDEX "deployments_name_key" ON "deployments" USING btree ("name") WHERE deleted = false;--> statement-breakpoint
CREATE UNIQUE INDEX "nodes_name_key" ON "nodes" USING btree ("name") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "nodes_site_deployment_idx" ON "nodes" USING btree ("site_deployment");--> statement-breakpoint
CREATE INDEX "nodes_site_idx" ON "nodes" USING btree ("site");--> statement-breakpoint
CREATE INDEX "sites_name_idx" ON "sites" USING btree ("name");--> statement-breakpoint
CREATE UNIQUE INDEX "sites_login_base_key" ON "sites" USING btree ("login_base") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "sites_pending_idx" ON "sites" USING btree ("next_retry") WHERE (deleted OR enacted IS NULL OR enacted < updated) AND NOT no_sync;--> statement-breakpoint
CREATE INDEX "site_deployments_site_idx" ON "site_deployments" USING btree ("site");--> statement-breakpoint
CREATE INDEX "site_deployments_deployment_idx" ON "site_deployments" USING btree ("deployment");--> statement-breakpoint
CREATE INDEX "site_deployments_controller_idx" ON "site_deployments" USING btree ("controller");--> statement-breakpoint
CREATE UNIQUE INDEX "site_deployments_site_deployment_controller_key" ON "site_deployments" USING btree ("site","deployment","controller") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "deployment_privileges_user_idx" ON "deployment_privileges" USING btree ("user");--> statement-breakpoint
CREATE INDEX "deployment_privileges_deployment_idx" ON "deployment_privileges" USING btree ("deployment");--> statement-breakpoint
CREATE INDEX "deployment_privileges_role_idx" ON "deployment_privileges" USING btree ("role");--> statement-breakpoint
CREATE UNIQUE INDEX "deployment_privileges_user_deployment_role_key" ON "deployment_privileges" USING btree ("user","deployment","role") WHERE deleted = false;--> statement-breakpoint
CREATE UNIQUE INDEX "deployment_roles_role_key" ON "deployment_roles" USING btree ("role") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "site_privileges_user_idx" ON "site_privileges" USING btree ("user");--> statement-breakpoint
CREATE INDEX "site_privileges_site_idx" ON "site_privileges" USING btree ("site");--> statement-breakpoint
CREATE INDEX "site_privileges_role_idx" ON "site_privileges" USING btree ("role");--> statement-breakpoint
CREATE UNIQUE INDEX "site_privileges_user_site_role_key" ON "site_privileges" USING btree ("user","site","role") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "site_privileges_pending_idx" ON "site_privileges" USING btree ("next_retry") WHERE (deleted OR enacted IS NULL OR enacted < updated) AND NOT no_sync;--> statement-breakpoint
CREATE UNIQUE INDEX "site_roles_role_key" ON "site_roles" USING btree ("role") WHERE deleted = false;--> statement-breakpoint
CREATE UNIQUE INDEX "slices_name_key" ON "slices" USING btree ("name") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "slices_site_idx" ON "slices" USING btree ("site");--> statement-breakpoint
CREATE INDEX "slices_creator_idx" ON "slices" USING btree ("creator");--> statement-breakpoint
CREATE INDEX "slices_default_image_idx" ON "slices" USING btree ("default_image");--> statement-breakpoint
CREATE INDEX "slices_default_flavor_idx" ON "slices" USING btree ("default_flavor");--> statement-breakpoint
CREATE INDEX "slices_pending_idx" ON "slices" USING btree ("next_retry") WHERE (deleted OR enacted IS NULL OR enacted < updated) AND NOT no_sync;--> statement-breakpoint
CREATE INDEX "slice_privileges_user_idx" ON "slice_privileges" USING btree ("user");--> statement-breakpoint
CREATE INDEX "slice_privileges_slice_idx" ON "slice_privileges" USING btree ("slice");--> statement-breakpoint
CREATE INDEX "slice_privileges_role_idx" ON "slice_privileges" USING btree ("role");--> statement-breakpoint
CREATE UNIQUE INDEX "slice_privileges_user_slice_role_key" ON "slice_privileges" USING btree ("user","slice","role") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "slice_privileges_pending_idx" ON "slice_privileges" USING btree ("next_retry") WHERE (deleted OR enacted IS NULL OR enacted < updated) AND NOT no_sync;--> statement-breakpoint
CREATE UNIQUE INDEX "slice_roles_role_key" ON "slice_roles" USING btree ("role") WHERE deleted = false;--> statement-breakpoint
CREATE UNIQUE INDEX "users_email_key" ON "users" USING btree ("email") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "users_site_idx" ON "users" USING btree ("site");--> statement-breakpoint
CREATE INDEX "users_pending_idx" ON "users" USING btree ("next_retry") WHERE (deleted OR enacted IS NULL OR enacted < updated) AND NOT no_sync;--> statement-breakpoint
CREATE UNIQUE INDEX "flavors_name_key" ON "flavors" USING btree ("name") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "flavors_pending_idx" ON "flavors" USING btree ("next_retry") WHERE (deleted OR enacted IS NULL OR enacted < updated) AND NOT no_sync;--> statement-breakpoint
CREATE UNIQUE INDEX "images_name_key" ON "images" USING btree ("name") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "images_pending_idx" ON "images" USING btree ("next_retry") WHERE (deleted OR enacted IS NULL OR enacted < updated) AND NOT no_sync;--> statement-breakpoint
CREATE INDEX "image_deployments_image_idx" ON "image_deployments" USING btree ("image");--> statement-breakpoint
CREATE INDEX "image_deployments_deployment_idx" ON "image_deployments" USING btree ("deployment");--> statement-breakpoint
CREATE UNIQUE INDEX "image_deployments_image_deployment_key" ON "image_deployments" USING btree ("image","deployment") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "instances_name_idx" ON "instances" USING btree ("name");--> statement-breakpoint
CREATE INDEX "instances_slice_idx" ON "instances" USING btree ("slice");--> statement-breakpoint
CREATE INDEX "instances_deployment_idx" ON "instances" USING btree ("deployment");--> statement-breakpoint
CREATE INDEX "instances_node_idx" ON "instances" USING btree ("node");--> statement-breakpoint
CREATE INDEX "instances_image_idx" ON "instances" USING btree ("image");--> statement-breakpoint
CREATE INDEX "instances_flavor_idx" ON "instances" USING btree ("flavor");--> statement-breakpoint
CREATE INDEX "instances_creator_idx" ON "instances" USING btree ("creator");--> statement-breakpoint
CREATE INDEX "instances_pending_idx" ON "instances" USING btree ("next_retry") WHERE (deleted OR enacted IS NULL OR enacted < updated) AND NOT no_sync;--> statement-breakpoint
CREATE INDEX "networks_name_idx" ON "networks" USING btree ("name");--> statement-breakpoint
CREATE INDEX "networks_template_idx" ON "networks" USING btree ("template");--> statement-breakpoint
CREATE INDEX "networks_owner_idx" ON "networks" USING btree ("owner");--> statement-breakpoint
CREATE INDEX "networks_pending_idx" ON "networks" USING btree ("next_retry") WHERE (deleted OR enacted IS NULL OR enacted < updated) AND NOT no_sync;--> statement-breakpoint
CREATE INDEX "network_slices_network_idx" ON "network_slices" USING btree ("network");--> statement-breakpoint
CREATE INDEX "network_slices_slice_idx" ON "network_slices" USING btree ("slice");--> statement-breakpoint
CREATE UNIQUE INDEX "network_slices_network_slice_key" ON "network_slices" USING btree ("network","slice") WHERE deleted = false;--> statement-breakpoint
CREATE UNIQUE INDEX "network_templates_name_key" ON "network_templates" USING btree ("name") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "ports_network_idx" ON "ports" USING btree ("network");--> statement-breakpoint
CREATE INDEX "ports_instance_idx" ON "ports" USING btree ("instance");--> statement-breakpoint
CREATE UNIQUE INDEX "ports_network_instance_key" ON "ports" USING btree ("network","instance") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "ports_pending_idx" ON "ports" USING btree ("next_retry") WHERE (deleted OR enacted IS NULL OR enacted < updated) AND NOT no_sync;--> statement-breakpoint
CREATE INDEX "controller_images_controller_idx" ON "controller_images" USING btree ("controller");--> statement-breakpoint
CREATE INDEX "controller_images_image_idx" ON "controller_images" USING btree ("image");--> statement-breakpoint
CREATE UNIQUE INDEX "controller_images_controller_image_key" ON "controller_images" USING btree ("controller","image") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "controller_images_pending_idx" ON "controller_images" USING btree ("next_retry") WHERE (deleted OR enacted IS NULL OR enacted < updated) AND NOT no_sync;--> statement-breakpoint
CREATE INDEX "controller_networks_controller_idx" ON "controller_networks" USING btree ("controller");--> statement-breakpoint
CREATE INDEX "controller_networks_network_idx" ON "controller_networks" USING btree ("network");--> statement-breakpoint
CREATE UNIQUE INDEX "controller_networks_controller_network_key" ON "controller_networks" USING btree ("controller","network") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "controller_networks_pending_idx" ON "controller_networks" USING btree ("next_retry") WHERE (deleted OR enacted IS NULL OR enacted < updated) AND NOT no_sync;--> statement-breakpoint
CREATE INDEX "controller_sites_controller_idx" ON "controller_sites" USING btree ("controller");--> statement-breakpoint
CREATE INDEX "controller_sites_site_idx" ON "controller_sites" USING btree ("site");--> statement-breakpoint
CREATE UNIQUE INDEX "controller_sites_controller_site_key" ON "controller_sites" USING btree ("controller","site") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "controller_sites_pending_idx" ON "controller_sites" USING btree ("next_retry") WHERE (deleted OR enacted IS NULL OR enacted < updated) AND NOT no_sync;--> statement-breakpoint
CREATE INDEX "controller_site_privileges_controller_idx" ON "controller_site_privileges" USING btree ("controller");--> statement-breakpoint
CREATE INDEX "controller_site_privileges_site_privilege_idx" ON "controller_site_privileges" USING btree ("site_privilege");--> statement-breakpoint
CREATE UNIQUE INDEX "controller_site_privileges_controller_site_privilege_key" ON "controller_site_privileges" USING btree ("controller","site_privilege") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "controller_site_privileges_pending_idx" ON "controller_site_privileges" USING btree ("next_retry") WHERE (deleted OR enacted IS NULL OR enacted < updated) AND NOT no_sync;--> statement-breakpoint
CREATE INDEX "controller_slices_controller_idx" ON "controller_slices" USING btree ("controller");--> statement-breakpoint
CREATE INDEX "controller_slices_slice_idx" ON "controller_slices" USING btree ("slice");--> statement-breakpoint
CREATE UNIQUE INDEX "controller_slices_controller_slice_key" ON "controller_slices" USING btree ("controller","slice") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "controller_slices_pending_idx" ON "controller_slices" USING btree ("next_retry") WHERE (deleted OR enacted IS NULL OR enacted < updated) AND NOT no_sync;--> statement-breakpoint
CREATE INDEX "controller_slice_privileges_controller_idx" ON "controller_slice_privileges" USING btree ("controller");--> statement-breakpoint
CREATE INDEX "controller_slice_privileges_slice_privilege_idx" ON "controller_slice_privileges" USING btree ("slice_privilege");--> statement-breakpoint
CREATE UNIQUE INDEX "controller_slice_privileges_controller_slice_privilege_key" ON "controller_slice_privileges" USING btree ("controller","slice_privilege") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "controller_slice_privileges_pending_idx" ON "controller_slice_privileges" USING btree ("next_retry") WHERE (deleted OR enacted IS NULL OR enacted < updated) AND NOT no_sync;--> statement-breakpoint
CREATE INDEX "controller_users_controller_idx" ON "controller_users" USING btree ("controller");--> statement-breakpoint
CREATE INDEX "controller_users_user_idx" ON "controller_users" USING btree ("user");--> statement-breakpoint
CREATE UNIQUE INDEX "controller_users_controller_user_key" ON "controller_users" USING btree ("controller","user") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "controller_users_pending_idx" ON "controller_users" USING btree ("next_retry") WHERE (deleted OR enacted IS NULL OR enacted < updated) AND NOT no_sync;--> statement-breakpoint
CREATE UNIQUE INDEX "api_tokens_hash_key" ON "api_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "audit_log_object_idx" ON "audit_log" USING btree ("model","object_id");--> statement-breakpoint
CREATE INDEX "audit_log_at_idx" ON "audit_log" USING btree ("at");
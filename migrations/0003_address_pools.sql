CREATE TABLE "address_allocations" (
	"id" serial PRIMARY KEY NOT NULL,
	"created" timestamp with time zone DEFAULT now() NOT NULL,
	"updated" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"write_protect" boolean DEFAULT false NOT NULL,
	"pool" integer NOT NULL,
	"address" "inet" NOT NULL,
	"instance" integer NOT NULL,
	"network" integer
);
--> statement-breakpoint
CREATE TABLE "address_pools" (
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
	"cidr" "cidr" NOT NULL,
	"gateway" "inet",
	"ranges" varchar(4096) NOT NULL,
	"deployment" integer,
	"controller" integer,
	"network_name" varchar(64) DEFAULT 'ext-net' NOT NULL
);
--> statement-breakpoint
CREATE TABLE "controller_address_pools" (
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
	"address_pool" integer NOT NULL,
	"net_id" varchar(64),
	"subnet_id" varchar(64)
);
--> statement-breakpoint
ALTER TABLE "network_templates" ADD COLUMN "controller_image" integer;--> statement-breakpoint
ALTER TABLE "network_templates" ADD COLUMN "controller_flavor" integer;--> statement-breakpoint
ALTER TABLE "network_templates" ADD COLUMN "controller_key_name" varchar(255);--> statement-breakpoint
ALTER TABLE "network_templates" ADD COLUMN "controller_port" integer DEFAULT 6633 NOT NULL;--> statement-breakpoint
ALTER TABLE "network_templates" ADD COLUMN "controller_timeout" integer DEFAULT 30 NOT NULL;--> statement-breakpoint
ALTER TABLE "ports" ADD COLUMN "floating_ip" "inet";--> statement-breakpoint
ALTER TABLE "ports" ADD COLUMN "floating_ip_id" varchar(64);--> statement-breakpoint
ALTER TABLE "controller_networks" ADD COLUMN "controller_url" varchar(1024);--> statement-breakpoint
ALTER TABLE "controller_networks" ADD COLUMN "controller_instance_id" varchar(64);--> statement-breakpoint
ALTER TABLE "address_allocations" ADD CONSTRAINT "address_allocations_pool_address_pools_id_fk" FOREIGN KEY ("pool") REFERENCES "public"."address_pools"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "address_allocations" ADD CONSTRAINT "address_allocations_instance_instances_id_fk" FOREIGN KEY ("instance") REFERENCES "public"."instances"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "address_allocations" ADD CONSTRAINT "address_allocations_network_networks_id_fk" FOREIGN KEY ("network") REFERENCES "public"."networks"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "address_pools" ADD CONSTRAINT "address_pools_deployment_deployments_id_fk" FOREIGN KEY ("deployment") REFERENCES "public"."deployments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "address_pools" ADD CONSTRAINT "address_pools_controller_controllers_id_fk" FOREIGN KEY ("controller") REFERENCES "public"."controllers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "controller_address_pools" ADD CONSTRAINT "controller_address_pools_controller_controllers_id_fk" FOREIGN KEY ("controller") REFERENCES "public"."controllers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "controller_address_pools" ADD CONSTRAINT "controller_address_pools_address_pool_address_pools_id_fk" FOREIGN KEY ("address_pool") REFERENCES "public"."address_pools"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "address_allocations_pool_idx" ON "address_allocations" USING btree ("pool","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "address_allocations_instance_idx" ON "address_allocations" USING btree ("instance","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "address_allocations_network_idx" ON "address_allocations" USING btree ("network","id") WHERE deleted = false;--> statement-breakpoint
CREATE UNIQUE INDEX "address_allocations_pool_address_key" ON "address_allocations" USING btree ("pool","address") WHERE deleted = false;--> statement-breakpoint
CREATE UNIQUE INDEX "address_pools_name_key" ON "address_pools" USING btree ("name") WHERE deleted = false;--> statement-breakpoint
CREATE UNIQUE INDEX "address_pools_deployment_key" ON "address_pools" USING btree ("deployment") WHERE deleted = false;--> statement-breakpoint
CREATE UNIQUE INDEX "address_pools_controller_key" ON "address_pools" USING btree ("controller") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "address_pools_pending_idx" ON "address_pools" USING btree ("next_retry") WHERE (deleted OR enacted IS NULL OR enacted < updated) AND NOT no_sync;--> statement-breakpoint
CREATE INDEX "address_pools_errors_idx" ON "address_pools" USING btree ("id") WHERE backend_code = 2 AND NOT deleted;--> statement-breakpoint
CREATE INDEX "controller_address_pools_controller_idx" ON "controller_address_pools" USING btree ("controller","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "controller_address_pools_address_pool_idx" ON "controller_address_pools" USING btree ("address_pool","id") WHERE deleted = false;--> statement-breakpoint
CREATE UNIQUE INDEX "controller_address_pools_controller_address_pool_key" ON "controller_address_pools" USING btree ("controller","address_pool") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "controller_address_pools_pending_idx" ON "controller_address_pools" USING btree ("next_retry") WHERE (deleted OR enacted IS NULL OR enacted < updated) AND NOT no_sync;--> statement-breakpoint
CREATE INDEX "controller_address_pools_errors_idx" ON "controller_address_pools" USING btree ("id") WHERE backend_code = 2 AND NOT deleted;--> statement-breakpoint
ALTER TABLE "network_templates" ADD CONSTRAINT "network_templates_controller_image_images_id_fk" FOREIGN KEY ("controller_image") REFERENCES "public"."images"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "network_templates" ADD CONSTRAINT "network_templates_controller_flavor_flavors_id_fk" FOREIGN KEY ("controller_flavor") REFERENCES "public"."flavors"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "network_templates_controller_image_idx" ON "network_templates" USING btree ("controller_image","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "network_templates_controller_flavor_idx" ON "network_templates" USING btree ("controller_flavor","id") WHERE deleted = false;
CREATE TABLE "cluster_reports" (
	"controller" integer NOT NULL,
	"collector" varchar(32) NOT NULL,
	"data" jsonb,
	"ok" boolean NOT NULL,
	"attempted" timestamp with time zone NOT NULL,
	"last_success" timestamp with time zone,
	"last_error" text,
	"last_error_kind" varchar(32),
	"last_error_at" timestamp with time zone,
	"error_detail" jsonb,
	"duration_ms" integer NOT NULL,
	"requests" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "cluster_reports_controller_collector_pk" PRIMARY KEY("controller","collector")
);
--> statement-breakpoint
ALTER TABLE "cluster_reports" ADD CONSTRAINT "cluster_reports_controller_controllers_id_fk" FOREIGN KEY ("controller") REFERENCES "public"."controllers"("id") ON DELETE cascade ON UPDATE no action;
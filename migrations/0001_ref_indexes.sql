DROP INDEX "controllers_deployment_idx";--> statement-breakpoint
DROP INDEX "nodes_site_deployment_idx";--> statement-breakpoint
DROP INDEX "nodes_site_idx";--> statement-breakpoint
DROP INDEX "site_deployments_site_idx";--> statement-breakpoint
DROP INDEX "site_deployments_deployment_idx";--> statement-breakpoint
DROP INDEX "site_deployments_controller_idx";--> statement-breakpoint
DROP INDEX "deployment_privileges_user_idx";--> statement-breakpoint
DROP INDEX "deployment_privileges_deployment_idx";--> statement-breakpoint
DROP INDEX "deployment_privileges_role_idx";--> statement-breakpoint
DROP INDEX "site_privileges_user_idx";--> statement-breakpoint
DROP INDEX "site_privileges_site_idx";--> statement-breakpoint
DROP INDEX "site_privileges_role_idx";--> statement-breakpoint
DROP INDEX "slices_site_idx";--> statement-breakpoint
DROP INDEX "slices_creator_idx";--> statement-breakpoint
DROP INDEX "slices_default_image_idx";--> statement-breakpoint
DROP INDEX "slices_default_flavor_idx";--> statement-breakpoint
DROP INDEX "slice_privileges_user_idx";--> statement-breakpoint
DROP INDEX "slice_privileges_slice_idx";--> statement-breakpoint
DROP INDEX "slice_privileges_role_idx";--> statement-breakpoint
DROP INDEX "users_site_idx";--> statement-breakpoint
DROP INDEX "image_deployments_image_idx";--> statement-breakpoint
DROP INDEX "image_deployments_deployment_idx";--> statement-breakpoint
DROP INDEX "instances_slice_idx";--> statement-breakpoint
DROP INDEX "instances_deployment_idx";--> statement-breakpoint
DROP INDEX "instances_node_idx";--> statement-breakpoint
DROP INDEX "instances_image_idx";--> statement-breakpoint
DROP INDEX "instances_flavor_idx";--> statement-breakpoint
DROP INDEX "instances_creator_idx";--> statement-breakpoint
DROP INDEX "networks_template_idx";--> statement-breakpoint
DROP INDEX "networks_owner_idx";--> statement-breakpoint
DROP INDEX "network_slices_network_idx";--> statement-breakpoint
DROP INDEX "network_slices_slice_idx";--> statement-breakpoint
DROP INDEX "ports_network_idx";--> statement-breakpoint
DROP INDEX "ports_instance_idx";--> statement-breakpoint
DROP INDEX "controller_images_controller_idx";--> statement-breakpoint
DROP INDEX "controller_images_image_idx";--> statement-breakpoint
DROP INDEX "controller_networks_controller_idx";--> statement-breakpoint
DROP INDEX "controller_networks_network_idx";--> statement-breakpoint
DROP INDEX "controller_sites_controller_idx";--> statement-breakpoint
DROP INDEX "controller_sites_site_idx";--> statement-breakpoint
DROP INDEX "controller_site_privileges_controller_idx";--> statement-breakpoint
DROP INDEX "controller_site_privileges_site_privilege_idx";--> statement-breakpoint
DROP INDEX "controller_slices_controller_idx";--> statement-breakpoint
DROP INDEX "controller_slices_slice_idx";--> statement-breakpoint
DROP INDEX "controller_slice_privileges_controller_idx";--> statement-breakpoint
DROP INDEX "controller_slice_privileges_slice_privilege_idx";--> statement-breakpoint
DROP INDEX "controller_users_controller_idx";--> statement-breakpoint
DROP INDEX "controller_users_user_idx";--> statement-breakpoint
CREATE INDEX "controllers_deployment_idx" ON "controllers" USING btree ("deployment","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "nodes_site_deployment_idx" ON "nodes" USING btree ("site_deployment","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "nodes_site_idx" ON "nodes" USING btree ("site","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "site_deployments_site_idx" ON "site_deployments" USING btree ("site","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "site_deployments_deployment_idx" ON "site_deployments" USING btree ("deployment","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "site_deployments_controller_idx" ON "site_deployments" USING btree ("controller","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "deployment_privileges_user_idx" ON "deployment_privileges" USING btree ("user","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "deployment_privileges_deployment_idx" ON "deployment_privileges" USING btree ("deployment","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "deployment_privileges_role_idx" ON "deployment_privileges" USING btree ("role","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "site_privileges_user_idx" ON "site_privileges" USING btree ("user","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "site_privileges_site_idx" ON "site_privileges" USING btree ("site","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "site_privileges_role_idx" ON "site_privileges" USING btree ("role","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "slices_site_idx" ON "slices" USING btree ("site","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "slices_creator_idx" ON "slices" USING btree ("creator","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "slices_default_image_idx" ON "slices" USING btree ("default_image","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "slices_default_flavor_idx" ON "slices" USING btree ("default_flavor","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "slice_privileges_user_idx" ON "slice_privileges" USING btree ("user","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "slice_privileges_slice_idx" ON "slice_privileges" USING btree ("slice","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "slice_privileges_role_idx" ON "slice_privileges" USING btree ("role","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "users_site_idx" ON "users" USING btree ("site","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "image_deployments_image_idx" ON "image_deployments" USING btree ("image","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "image_deployments_deployment_idx" ON "image_deployments" USING btree ("deployment","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "instances_slice_idx" ON "instances" USING btree ("slice","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "instances_deployment_idx" ON "instances" USING btree ("deployment","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "instances_node_idx" ON "instances" USING btree ("node","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "instances_image_idx" ON "instances" USING btree ("image","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "instances_flavor_idx" ON "instances" USING btree ("flavor","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "instances_creator_idx" ON "instances" USING btree ("creator","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "networks_template_idx" ON "networks" USING btree ("template","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "networks_owner_idx" ON "networks" USING btree ("owner","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "network_slices_network_idx" ON "network_slices" USING btree ("network","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "network_slices_slice_idx" ON "network_slices" USING btree ("slice","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "ports_network_idx" ON "ports" USING btree ("network","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "ports_instance_idx" ON "ports" USING btree ("instance","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "controller_images_controller_idx" ON "controller_images" USING btree ("controller","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "controller_images_image_idx" ON "controller_images" USING btree ("image","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "controller_networks_controller_idx" ON "controller_networks" USING btree ("controller","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "controller_networks_network_idx" ON "controller_networks" USING btree ("network","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "controller_sites_controller_idx" ON "controller_sites" USING btree ("controller","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "controller_sites_site_idx" ON "controller_sites" USING btree ("site","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "controller_site_privileges_controller_idx" ON "controller_site_privileges" USING btree ("controller","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "controller_site_privileges_site_privilege_idx" ON "controller_site_privileges" USING btree ("site_privilege","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "controller_slices_controller_idx" ON "controller_slices" USING btree ("controller","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "controller_slices_slice_idx" ON "controller_slices" USING btree ("slice","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "controller_slice_privileges_controller_idx" ON "controller_slice_privileges" USING btree ("controller","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "controller_slice_privileges_slice_privilege_idx" ON "controller_slice_privileges" USING btree ("slice_privilege","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "controller_users_controller_idx" ON "controller_users" USING btree ("controller","id") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "controller_users_user_idx" ON "controller_users" USING btree ("user","id") WHERE deleted = false;
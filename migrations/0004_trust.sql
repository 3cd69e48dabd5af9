-- Emails become one address whatever their case. Users whose emails differ only in case would
-- make the new index fail with a bare "could not create unique index"; name them instead, and
-- say what to do, before anything changes.
DO $$
DECLARE clashes text;
BEGIN
  SELECT string_agg(format('%s (user ids %s)', emails, ids), '; ') INTO clashes FROM (
    SELECT string_agg(email, ' and ' ORDER BY id) AS emails, string_agg(id::text, ', ' ORDER BY id) AS ids
      FROM users WHERE deleted = false GROUP BY lower(email) HAVING count(*) > 1) c;
  IF clashes IS NOT NULL THEN
    RAISE EXCEPTION 'emails are now unique whatever their case, and these users have emails that differ only in case: %. Change the email of, or delete, all but one user of each group (psql: UPDATE users SET email = ''other@example.com'' WHERE id = N), then start XOS again', clashes;
  END IF;
END $$;--> statement-breakpoint
DROP INDEX "users_email_key";--> statement-breakpoint
ALTER TABLE "controllers" ALTER COLUMN "admin_password" DROP NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "users_email_lower_key" ON "users" USING btree (lower("email")) WHERE deleted = false;
// A deployment's access list decides who may place instances in it. It is evaluated twice, both
// times with the creating user's email for `user` rules: once with the slice's site for `site`
// rules, once with the user's home site. Both must allow, so that neither a slice's member from
// an admitted site opens the deployment to a site it does not admit, nor a member of an admitted
// site's slice opens it to a user it does not admit.
import { aclAllows, parseAcl } from '../model/acl.js';
import { ForbiddenError } from '../model/errors.js';
import type { ModelContext, Row } from '../model/types.js';

export async function checkDeploymentAcl(ctx: ModelContext, callerId: number, row: Row, field: string) {
  const deployment = await ctx.get('Deployment', Number(row[field]));
  const slice = await ctx.get('Slice', Number(row.slice));
  const caller = await ctx.get('User', callerId);
  if (!deployment || !slice || !caller) return; // reported as a missing reference by the store
  const [sliceSite, homeSite] = await ctx.getMany('Site', [Number(slice.site), Number(caller.site)]);
  const names = (s: Row | null) => (s ? [String(s.name), String(s.login_base)] : []);
  const { rules } = parseAcl(String(deployment.access_control ?? ''));
  const email = String(caller.email);
  const refuse = (why: string, message: string) => {
    throw new ForbiddenError(`deployment ${deployment.name} does not admit ${why} (its access list denies it)`, [{ field, message }]);
  };
  if (!aclAllows(rules, { email, siteNames: names(sliceSite) }))
    refuse(`instances of slice ${slice.name} (site ${sliceSite?.name})`, `the access list of ${deployment.name} does not allow the slice's site`);
  if (!aclAllows(rules, { email, siteNames: names(homeSite) }))
    refuse(`${email} (home site ${homeSite?.name})`, `the access list of ${deployment.name} does not allow you`);
}

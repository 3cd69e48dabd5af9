// Every route, whatever its schema says: a query value or a body string with a NUL character is
// a 400 naming where it is, before a handler can hand it to the database (see model/nul.ts). It
// runs after validation, so a model body gets its schema's full list of field errors first.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { NUL_MESSAGE, nulPaths } from '../model/nul.js';
import { sendProblem } from './problem.js';

export function rejectNul(app: FastifyInstance) {
  app.addHook('preHandler', async (req: FastifyRequest, reply: FastifyReply) => {
    const errors = [
      ...nulPaths(req.query).map((p) => ({ field: p.split('/')[0], message: NUL_MESSAGE })),
      ...nulPaths(req.body).map((p) => ({ field: p || '(body)', message: NUL_MESSAGE })),
    ];
    if (!errors.length) return;
    const unique = [...new Map(errors.map((e) => [e.field, e])).values()];
    return sendProblem(reply, 400, unique.map((e) => `${e.field} ${e.message}`).join('; '), unique);
  });
}

/** Staff accounts and signed-in browsers (supertest agents) for tests. */
import request from 'supertest';
import type { Express } from 'express';
import { createUser } from '../../server/accounts/users.service.js';
import type { RoleGrant } from '../../server/accounts/scope.js';
import type { Db } from '../../server/db/knex.js';

export const TEST_PASSWORD = 'mùa thu lá vàng rơi trên phố cổ';

let counter = 0;

export async function createStaff(db: Db, grants: RoleGrant[], name = 'Cán bộ'): Promise<{ id: number; email: string }> {
  counter += 1;
  const email = `staff${counter}.${Date.now()}@so.example.vn`;
  const { user } = await createUser(db, { userId: null, ip: null }, { email, displayName: `${name} ${counter}`, grants, password: TEST_PASSWORD });
  return { id: user.id, email };
}

/** The sign-in form's token and cookie, as a browser gets them. */
export async function signInForm(agent: request.Agent): Promise<string> {
  const page = await agent.get('/quan-ly/dang-nhap');
  const match = /name="_csrf" value="([^"]+)"/.exec(page.text);
  if (!match) throw new Error('no sign-in token on the page');
  return match[1]!;
}

export type SignedIn = { agent: request.Agent; csrf: string; response: request.Response };

/** A browser signed in as this account, with the CSRF token its pages carry. */
export async function signIn(app: Express, identifier: string, password = TEST_PASSWORD): Promise<SignedIn> {
  const agent = request.agent(app);
  const token = await signInForm(agent);
  const response = await agent.post('/quan-ly/dang-nhap').type('form').send({ identifier, password, _csrf: token });
  if (response.status !== 303) throw new Error(`sign-in failed with ${response.status}`);
  const home = await agent.get('/quan-ly');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(home.text)?.[1];
  if (!csrf) throw new Error('no CSRF token on the staff home page');
  return { agent, csrf, response };
}

import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/store/drizzle-kit-schema.cjs',
  out: './migrations',
});

/** `npm run db:migrate` — applies migrations to DATABASE_URL, or to the embedded database under DATA_DIR. */
import path from "node:path";
import { openDatabase } from "./client";
import { migrateDatabase } from "./migrate";

const url = process.env.DATABASE_URL;
const dataDir = path.resolve(process.env.DATA_DIR ?? ".corrective/data");
const database = await openDatabase(url ? { url } : { dataDir });
await migrateDatabase(database.db);
console.log(`migrations applied (${database.engine})`);
await database.close();

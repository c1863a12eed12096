// The DataSource for the TypeORM CLI: the same options as the app, from the same environment.
import "reflect-metadata";
import { loadConfig } from "./src/config";
import { createDataSource } from "./src/persistence/data-source";

const config = loadConfig(process.env);
export default createDataSource(config.database, { postgres: config.postgres });

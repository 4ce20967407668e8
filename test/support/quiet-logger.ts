// A logger that drops everything (servers under test log through TestServer.logged instead).
import type { Logger } from '../../api/logger.js';

export const quietLogger: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

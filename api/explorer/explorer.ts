// The explorer page at `/`: static HTML, CSS and JS from ./static, served by the API
// itself (no CDN), under a Content-Security-Policy that allows nothing but this origin.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Router } from 'express';

/** Folder of the page's files. */
const EXPLORER_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'static');

const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** Routes `/` (the page) and `/explorer/*` (its assets). */
export function explorerRouter(): Router {
  const router = express.Router();
  const headers = (res: express.Response) => {
    res.setHeader('Content-Security-Policy', CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
  };
  router.get('/', (_req, res) => {
    headers(res);
    res.sendFile(path.join(EXPLORER_DIR, 'index.html'));
  });
  router.use('/explorer', express.static(EXPLORER_DIR, { index: false, setHeaders: headers, fallthrough: true }));
  return router;
}

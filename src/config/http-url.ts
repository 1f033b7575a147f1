import { z } from 'zod';

/**
 * Ports the Fetch standard blocks ("bad ports", fetch.spec.whatwg.org#port-blocking): every
 * fetch, undici's included, fails on them at once with a bare "fetch failed" that names
 * neither the port nor the reason. A run against one could never succeed, so the address is
 * refused where it is written, with the reason.
 */
const FETCH_BAD_PORTS = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109,
  110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530,
  531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045,
  4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

/** An http(s) URL that fetch will connect to. */
export function fetchableUrl() {
  return z.url().superRefine((value, ctx) => {
    let port: number;
    try {
      port = Number(new URL(value).port);
    } catch {
      return; // z.url() has already said what is wrong
    }
    if (FETCH_BAD_PORTS.has(port)) {
      ctx.addIssue({
        code: 'custom',
        message: `port ${port} is one HTTP clients refuse to connect to (a "bad port" of the Fetch standard) — serve the API on another port`,
        input: value,
      });
    }
  });
}

/** Scheduled failures: "answer the next n requests matching a predicate with this status". */
export type RequestPredicate = (method: string, path: string) => boolean;

interface Fault {
  remaining: number;
  status: number;
  match: RequestPredicate;
}

export class FaultPlan {
  private readonly faults: Fault[] = [];

  add(n: number, status: number, match: RequestPredicate = () => true): void {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`failNext: n must be a positive integer, got ${n}`);
    this.faults.push({ remaining: n, status, match });
  }

  /** The status to inject for this request, consuming one use of the first matching fault. */
  take(method: string, path: string): number | undefined {
    const fault = this.faults.find((f) => f.remaining > 0 && f.match(method, path));
    if (!fault) return undefined;
    fault.remaining--;
    if (fault.remaining === 0) this.faults.splice(this.faults.indexOf(fault), 1);
    return fault.status;
  }
}

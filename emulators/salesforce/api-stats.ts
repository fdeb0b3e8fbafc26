/** Counts REST requests (the token endpoint excepted), in total and per route, for `/_admin/stats` and limits. */
export class ApiStats {
  private calls = 0;
  private routes: Record<string, number> = {};
  private dailyUsed = 0;

  count(route: string): void {
    this.calls += 1;
    this.dailyUsed += 1;
    this.routes[route] = (this.routes[route] ?? 0) + 1;
  }

  /** Calls counted against DailyApiRequests (kept across `POST /_admin/stats/reset`, cleared by a full reset). */
  get dailyCalls(): number {
    return this.dailyUsed;
  }

  /** The `Sforce-Limit-Info` value Salesforce puts on every REST response: the org's daily usage and its allocation. */
  limitInfo(dailyApiLimit: number): string {
    return `api-usage=${this.dailyUsed}/${dailyApiLimit}`;
  }

  snapshot(): { apiCalls: number; byRoute: Record<string, number> } {
    return { apiCalls: this.calls, byRoute: { ...this.routes } };
  }

  reset(): void {
    this.calls = 0;
    this.routes = {};
  }

  resetDaily(value = 0): void {
    this.dailyUsed = value;
  }
}

// Host patterns for the proxy's settings (`example.com`, `*.example.com`, `*`) and URL globs for
// rules (`*` is any run of characters), compiled once into regular expressions.

/** A glob where `*` matches any run of characters (including none); everything else is literal, case-insensitive. */
export function globToRegExp(glob: string): RegExp {
  const body = glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*');
  return new RegExp(`^${body}$`, 'i');
}

/** Host patterns: `*.example.com` also covers `example.com` itself, as people expect of it. */
export class HostPatterns {
  private readonly patterns: RegExp[];

  constructor(patterns: readonly string[]) {
    this.patterns = patterns.flatMap((p) => {
      // Brackets are stripped from patterns as from hosts, so `[::1]` and `::1` both name that address.
      const host = unbracket(p.trim().toLowerCase());
      if (host === '') return [];
      return host.startsWith('*.') ? [globToRegExp(host), globToRegExp(host.slice(2))] : [globToRegExp(host)];
    });
  }

  matches(host: string): boolean {
    const h = unbracket(host.toLowerCase());
    return this.patterns.some((re) => re.test(h));
  }
}

function unbracket(host: string): string {
  return host.replace(/^\[|\]$/g, '');
}

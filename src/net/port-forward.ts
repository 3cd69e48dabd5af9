// Port forwarding specs on a network: "tcp 80, udp 53, tcp 8000:8010". Protocol and port are
// separated by a space or "/", a range by "-" or ":". Errors name the entry and what is wrong.
export interface Forward {
  protocol: 'tcp' | 'udp';
  from: number;
  to: number; // equal to from for a single port
}

export interface ParsedForwards {
  forwards: Forward[];
  errors: string[];
}

export function parsePortForwards(text: string | null | undefined): ParsedForwards {
  const forwards: Forward[] = [];
  const errors: string[] = [];
  for (const entry of String(text ?? '').split(',').map((e) => e.trim())) {
    if (!entry) continue;
    const m = /^([A-Za-z]+)\s*(?:\s|\/)\s*(\d+)(?:\s*[-:]\s*(\d+))?$/.exec(entry);
    if (!m) {
      errors.push(`"${entry}" is not "<tcp|udp> <port>" or "<tcp|udp> <first>:<last>"`);
      continue;
    }
    const protocol = m[1].toLowerCase();
    if (protocol !== 'tcp' && protocol !== 'udp') {
      errors.push(`"${entry}": protocol must be tcp or udp, not "${m[1]}"`);
      continue;
    }
    const from = Number(m[2]);
    const to = m[3] === undefined ? from : Number(m[3]);
    const bad = [from, to].find((p) => p < 1 || p > 65535);
    if (bad !== undefined) {
      errors.push(`"${entry}": port ${bad} is outside 1-65535`);
      continue;
    }
    if (to < from) {
      errors.push(`"${entry}": the range ends before it starts`);
      continue;
    }
    const clash = forwards.find((f) => f.protocol === protocol && f.from <= to && from <= f.to);
    if (clash) {
      errors.push(`"${entry}" overlaps "${formatForward(clash)}"`);
      continue;
    }
    forwards.push({ protocol, from, to });
  }
  return { forwards, errors };
}

export const formatForward = (f: Forward) => `${f.protocol} ${f.from === f.to ? f.from : `${f.from}:${f.to}`}`;

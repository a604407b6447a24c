/**
 * Writes synthetic patients as transaction Bundles, one JSON Bundle per line (NDJSON):
 *   node dist/libs/synthetic/src/cli.js --patients 100 --seed 42 --mode create > patients.ndjson
 */
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import {
  type Country,
  defaultAgencies,
  type DefaultAgencies,
  generatePatient,
  mixedCountry,
  toTransactionBundle,
  type TransactionMode,
} from './index';

const USAGE = `Usage: cli.js [options]
  --patients <n>       number of patients (default 10)
  --seed <n>           integer seed (default 1)
  --mode <mode>        create | conditional-update (default create)
  --country <c>        FR | GB | mixed (default FR)
  --agency <kind>      hospital | gp | specialist: whose record it is (default hospital)
  --resources <n>      resources per patient (default 50)
  --first-index <n>    index of the first patient, to generate a population in slices (default 0)
One transaction Bundle per patient is written to stdout, one per line.`;

interface CliOptions {
  readonly patients: number;
  readonly seed: number;
  readonly mode: TransactionMode;
  readonly country: Country | 'mixed';
  readonly agency: keyof DefaultAgencies;
  readonly resources: number | undefined;
  readonly firstIndex: number;
}

function integer(name: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(value) || value < min) {
    throw new Error(`--${name} must be an integer of at least ${min}, got '${text}'`);
  }
  return value;
}

function oneOf<T extends string>(
  name: string,
  text: string | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  if (text === undefined) return fallback;
  const found = allowed.find((a) => a === text);
  if (found === undefined) throw new Error(`--${name} must be one of ${allowed.join(', ')}, got '${text}'`);
  return found;
}

function parseCliOptions(args: readonly string[]): CliOptions | 'help' {
  const { values } = parseArgs({
    args: [...args],
    options: {
      patients: { type: 'string' },
      seed: { type: 'string' },
      mode: { type: 'string' },
      country: { type: 'string' },
      agency: { type: 'string' },
      resources: { type: 'string' },
      'first-index': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help === true) return 'help';
  return {
    patients: integer('patients', values.patients, 10, 0),
    seed: integer('seed', values.seed, 1, Number.MIN_SAFE_INTEGER),
    mode: oneOf<TransactionMode>('mode', values.mode, ['create', 'conditional-update'], 'create'),
    country: oneOf<Country | 'mixed'>('country', values.country, ['FR', 'GB', 'mixed'], 'FR'),
    agency: oneOf<keyof DefaultAgencies>(
      'agency',
      values.agency,
      ['hospital', 'gp', 'specialist'],
      'hospital',
    ),
    resources: values.resources === undefined ? undefined : integer('resources', values.resources, 0, 1),
    firstIndex: integer('first-index', values['first-index'], 0, 0),
  };
}

async function main(): Promise<void> {
  const options = parseCliOptions(process.argv.slice(2));
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  // Piped into `head`: stop quietly when the reader goes away.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  const agencies = { FR: defaultAgencies('FR'), GB: defaultAgencies('GB') };
  for (let i = 0; i < options.patients; i++) {
    const index = options.firstIndex + i;
    const country = options.country === 'mixed' ? mixedCountry(options.seed, index) : options.country;
    const patient = generatePatient({
      seed: options.seed,
      index,
      country,
      agency: agencies[country][options.agency],
      gp: agencies[country].gp,
      ...(options.resources !== undefined ? { resourcesPerPatient: options.resources } : {}),
    });
    const line = `${JSON.stringify(toTransactionBundle(patient, options.mode))}\n`;
    if (!process.stdout.write(line)) await once(process.stdout, 'drain');
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
  process.exitCode = 1;
});

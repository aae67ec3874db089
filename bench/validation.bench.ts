/**
 * Inbound validation throughput: class-validator (a decorated DTO tree, plainToInstance + validateSync)
 * against the compiled ajv validators of `@kyodo/contracts`, on the same ~3 KB meter reading.
 *
 *   npm run build && node dist/bench/validation.bench.js [--seconds 1] [--rounds 5]
 *
 * Single-threaded; prints events/s per variant (best round) and the ratios.
 */
import 'reflect-metadata';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { plainToInstance, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  Equals,
  IsArray,
  IsInt,
  IsISO8601,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateNested,
  validateSync,
} from 'class-validator';
import {
  CloudEventEnvelopeSchema,
  DATA_SCHEMAS,
  isCalendarDate,
  isRfc3339DateTime,
  parseInbound,
  type InboundRecordInput,
} from '@kyodo/contracts';
import { factory, inboundRecord } from '@kyodo/contracts/testing';

// --- class-validator DTOs: the same rules as the meter-reading schema, as far as the decorators can say.

class IntervalDto {
  @IsISO8601({ strict: true, strictSeparator: true })
  start!: string;

  @IsNumber()
  @Min(0)
  kwh!: number;
}

class MeterReadingCustomerDto {
  @IsOptional()
  @IsString()
  contractNumber?: string;
}

class MeterReadingDataDto {
  @IsString()
  @MinLength(1)
  retailerId!: string;

  @IsOptional()
  @IsString()
  meterId?: string;

  @Matches(/^\d{4}-\d{2}-\d{2}$/)
  @IsISO8601({ strict: true })
  readingDate!: string;

  @IsInt()
  @Min(1)
  @Max(1440)
  intervalMinutes!: number;

  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => IntervalDto)
  intervals!: IntervalDto[];

  @IsNumber()
  @Min(0)
  totalKwh!: number;

  @IsOptional()
  @ValidateNested()
  @Type(() => MeterReadingCustomerDto)
  customer?: MeterReadingCustomerDto;
}

class MeterReadingEventDto {
  @Equals('1.0')
  specversion!: string;

  @IsString()
  @MinLength(1)
  id!: string;

  @IsString()
  @MinLength(1)
  source!: string;

  @Equals('jp.kyodo.meter-reading.v1')
  type!: string;

  @Matches(/^(?:0[1-9]|10)\d{20}$/)
  subject!: string;

  @IsISO8601({ strict: true, strictSeparator: true })
  time!: string;

  @IsOptional()
  @IsString()
  datacontenttype?: string;

  @IsObject()
  @ValidateNested()
  @Type(() => MeterReadingDataDto)
  data!: MeterReadingDataDto;
}

function classValidatorAccepts(plain: unknown): boolean {
  return validateSync(plainToInstance(MeterReadingEventDto, plain)).length === 0;
}

// --- ajv: the validators parseInbound uses, compiled the same way, for the validation-only comparison.

const ajv = new Ajv({ allErrors: false, messages: false, strict: true, allowUnionTypes: true });
addFormats(ajv, ['uri-reference']);
ajv.addFormat('date', { type: 'string', validate: isCalendarDate });
ajv.addFormat('date-time', { type: 'string', validate: isRfc3339DateTime });
const validateEnvelope = ajv.compile(CloudEventEnvelopeSchema);
const validateMeterReading = ajv.compile(DATA_SCHEMAS['meter-reading']);

function ajvAccepts(plain: { data?: unknown }): boolean {
  return validateEnvelope(plain) && validateMeterReading(plain.data);
}

// --- harness

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index === -1 ? NaN : Number(process.argv[index + 1]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

const seconds = option('seconds', 1);
const rounds = option('rounds', 5);

/** Events per second of `run`, best of `rounds` rounds of about `seconds` each. */
function measure(run: () => boolean): number {
  let best = 0;
  for (let i = 0; i < 2000; i++) if (!run()) throw new Error('the benchmark input was rejected');
  for (let round = 0; round < rounds; round++) {
    let events = 0;
    const start = process.hrtime.bigint();
    const deadline = start + BigInt(Math.round(seconds * 1e9));
    let now = start;
    while (now < deadline) {
      for (let i = 0; i < 500; i++) if (run()) events++;
      now = process.hrtime.bigint();
    }
    best = Math.max(best, events / (Number(now - start) / 1e9));
  }
  return best;
}

const event = factory.meterReading({ area: '03', retailerId: 'R0001', intervals: 48, seed: 1 });
const record: InboundRecordInput = inboundRecord(event);
const bytes = record.value?.length ?? 0;
const parsedOnce = JSON.parse(JSON.stringify(event)) as { data?: unknown };

// Both sides must agree on what they accept before their speed means anything.
const negative = factory.meterReading({
  seed: 1,
  intervals: [{ start: '2026-11-26T00:00:00+09:00', kwh: -1 }],
});
if (!classValidatorAccepts(parsedOnce) || !ajvAccepts(parsedOnce)) throw new Error('valid reading rejected');
if (classValidatorAccepts(negative) || ajvAccepts(negative)) throw new Error('negative kWh accepted');

function parse(): unknown {
  return JSON.parse((record.value as Buffer).toString('utf8'));
}

function row(label: string, run: () => boolean): number {
  const rate = measure(run);
  console.log(
    `${label.padEnd(62)} ${Math.round(rate).toLocaleString('en-US').padStart(10)}  ${(1e6 / rate).toFixed(2).padStart(8)}`,
  );
  return rate;
}

console.log(
  `Validation of one meter reading: ${bytes} bytes, 48 intervals. Node ${process.version}, ` +
    `best of ${rounds} rounds of ${seconds} s, one thread.\n`,
);
console.log(`${'From record bytes'.padEnd(62)} ${'events/s'.padStart(10)}  ${'µs/event'.padStart(8)}`);
const floor = row('JSON.parse only (the floor)', () => parse() !== null);
const cvBytes = row('class-validator: JSON.parse + plainToInstance + validateSync', () =>
  classValidatorAccepts(parse()),
);
const ajvBytes = row('ajv: parseInbound (JSON.parse + every contract check)', () => parseInbound(record).ok);

console.log(`\n${'Validation only (object already parsed)'.padEnd(62)}`);
const cvOnly = row('class-validator: plainToInstance + validateSync', () =>
  classValidatorAccepts(parsedOnce),
);
const ajvOnly = row('ajv: compiled envelope + meter-reading validators', () => ajvAccepts(parsedOnce));

console.log(
  `\nparseInbound is ${(ajvBytes / cvBytes).toFixed(1)}x class-validator from bytes; ` +
    `the compiled validators are ${(ajvOnly / cvOnly).toFixed(1)}x class-validator on a parsed object.`,
);
console.log(
  `JSON.parse alone is ${((ajvBytes / floor) * 100).toFixed(0)}% of parseInbound's time per event.`,
);

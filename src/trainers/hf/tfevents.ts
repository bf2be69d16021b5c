/**
 * Scalars from TensorBoard event files (`events.out.tfevents.*`), which the HF Trainer writes as
 * it trains when it reports to TensorBoard (transformers 4's default wherever tensorboard is
 * installed): the one file of a run's output dir that grows between checkpoints.
 *
 * The file is a TFRecord stream: each record is a little-endian uint64 length, a CRC of it, the
 * bytes of one `Event` protobuf, and their CRC. Only the few fields that scalars use are read
 * (Event.step, Event.summary.value[].tag with simple_value or a scalar tensor); a full protobuf
 * library and TensorBoard's .proto files would be a dependency for five field numbers.
 */

export interface Scalar {
  step: number;
  tag: string;
  value: number;
}

/** The scalars of the complete records in `bytes`, and how many bytes those records took (a partial last record waits). */
export function readEventRecords(bytes: Uint8Array): { scalars: Scalar[]; consumed: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const scalars: Scalar[] = [];
  let at = 0;
  while (at + 12 <= bytes.length) {
    const length = Number(view.getBigUint64(at, true));
    const end = at + 12 + length + 4;
    if (end > bytes.length) break;
    scalars.push(...eventScalars(bytes.subarray(at + 12, at + 12 + length)));
    at = end;
  }
  return { scalars, consumed: at };
}

/** A protobuf field: its number, wire type, and its value (a number for varints and fixed, bytes for length-delimited). */
type Field = { field: number; wire: number; int: number; bytes: Uint8Array };

function* fields(buf: Uint8Array): Generator<Field> {
  let at = 0;
  const varint = () => {
    let value = 0;
    let scale = 1;
    for (;;) {
      if (at >= buf.length) throw new RangeError('truncated varint');
      const byte = buf[at++];
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
  };
  while (at < buf.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) {
      yield { field, wire, int: varint(), bytes: buf.subarray(0, 0) };
      continue;
    }
    const length = wire === 1 ? 8 : wire === 5 ? 4 : wire === 2 ? varint() : -1;
    if (length < 0) throw new RangeError(`unsupported wire type ${wire}`);
    const from = at;
    at += length;
    if (at > buf.length) throw new RangeError('truncated field');
    yield { field, wire, int: 0, bytes: buf.subarray(from, at) };
  }
}

const float32 = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, 4).getFloat32(0, true);
const float64 = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, 8).getFloat64(0, true);

function eventScalars(event: Uint8Array): Scalar[] {
  let step = 0;
  const values: { tag: string; value: number }[] = [];
  try {
    for (const f of fields(event)) {
      if (f.field === 2 && f.wire === 0) step = f.int;
      else if (f.field === 5 && f.wire === 2) {
        for (const v of fields(f.bytes)) if (v.field === 1 && v.wire === 2) values.push(...summaryValue(v.bytes));
      }
    }
  } catch {
    return []; // a record that is not an Event as expected: skipped, like any other unreadable line
  }
  return values.map((v) => ({ step, ...v }));
}

/** Summary.Value: tag (1) with simple_value (2) or a scalar tensor (8). */
function summaryValue(buf: Uint8Array): { tag: string; value: number }[] {
  let tag = '';
  let value: number | undefined;
  for (const f of fields(buf)) {
    if (f.field === 1 && f.wire === 2) tag = new TextDecoder().decode(f.bytes);
    else if (f.field === 2 && f.wire === 5) value = float32(f.bytes);
    else if (f.field === 8 && f.wire === 2) value = tensorScalar(f.bytes) ?? value;
  }
  return tag && value !== undefined ? [{ tag, value }] : [];
}

const DT_FLOAT = 1;
const DT_DOUBLE = 2;

/** TensorProto holding one float or double: dtype (1), tensor_content (4), float_val (5), double_val (6). */
function tensorScalar(buf: Uint8Array): number | undefined {
  let dtype = 0;
  let value: number | undefined;
  let content: Uint8Array | undefined;
  for (const f of fields(buf)) {
    if (f.field === 1 && f.wire === 0) dtype = f.int;
    else if (f.field === 4 && f.wire === 2) content = f.bytes;
    else if (f.field === 5) value = f.bytes.length >= 4 ? float32(f.bytes) : value;
    else if (f.field === 6) value = f.bytes.length >= 8 ? float64(f.bytes) : value;
  }
  if (value !== undefined) return value;
  if (content && dtype === DT_FLOAT && content.length === 4) return float32(content);
  if (content && dtype === DT_DOUBLE && content.length === 8) return float64(content);
  return undefined;
}

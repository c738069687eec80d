import { type DescMessage, type JsonValue, type MessageShape, toJson } from "@bufbuild/protobuf";
import {
  type PhaseRun,
  type PhaseView,
  PhaseStateSchema,
  type Run,
  RunSchema,
  RunStatusSchema,
  type StatusView,
  StatusViewSchema,
} from "@sigma/contracts";
import { enumWord, phaseRunStateOf, phaseViewStateOf, runStatusOf, viewStatusOf } from "./words.js";

type JsonObject = { [k: string]: JsonValue };

/**
 * A message as the CLI's `--json` prints it: proto JSON names, every field present (defaults
 * included), 64-bit integers as strings (proto JSON), and every enum value as the same lower-snake
 * word the text output uses (see {@link enumWord}), e.g. `"phase": "market_data"`.
 */
export function messageJson<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): JsonObject {
  const json = toJson(schema, message, { alwaysEmitImplicit: true }) as JsonObject;
  return wordEnums(schema, json);
}

/** Rewrites the enum values of `json` (proto JSON of `schema`) in place as lower-snake words. */
function wordEnums(schema: DescMessage, json: JsonObject): JsonObject {
  for (const f of schema.fields) {
    const v = json[f.jsonName];
    if (v === undefined || v === null) continue;
    if (f.fieldKind === "enum") json[f.jsonName] = enumJsonWord(f.enum, v);
    else if (f.fieldKind === "message" && isObject(v)) wordEnums(f.message, v);
    else if (f.fieldKind === "list" && Array.isArray(v)) {
      if (f.listKind === "enum") json[f.jsonName] = v.map((x) => enumJsonWord(f.enum, x));
      else if (f.listKind === "message") for (const x of v) if (isObject(x)) wordEnums(f.message, x);
    }
  }
  return json;
}

function enumJsonWord(schema: Parameters<typeof enumWord>[0], v: JsonValue): JsonValue {
  const value = schema.values.find((x) => x.name === v || x.number === v);
  return value ? enumWord(schema, value.number) : v;
}

function isObject(v: JsonValue): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * A run record for `--json`: {@link messageJson} with one status field, `status` (from run_status,
 * or the deprecated status of an older server), and one state per phase, `state` (from phase_state,
 * or the deprecated text); the duplicate `runStatus` / `phaseState` keys are left out.
 */
export function runJson(run: Run): JsonObject {
  const json = messageJson(RunSchema, run);
  json.status = enumWord(RunStatusSchema, runStatusOf(run));
  delete json.runStatus;
  json.phases = run.phases.map((p: PhaseRun, i) => {
    const pj = (json.phases as JsonObject[])[i]!;
    pj.state = enumWord(PhaseStateSchema, phaseRunStateOf(p));
    delete pj.phaseState;
    return pj;
  });
  return json;
}

/**
 * A status view for `--json`: {@link messageJson} with `state` = the run's status word
 * ("running", "completed_with_warnings", ..., or "not_found" when the status service knows no such
 * run) and each phase's `state` from phase_state (or the deprecated enum); `runStatus` and
 * `phaseState` duplicates are left out.
 */
export function statusJson(view: StatusView): JsonObject {
  const json = messageJson(StatusViewSchema, view);
  const status = viewStatusOf(view);
  // not_found (and unspecified) exist only in the status service's own vocabulary.
  json.state = status ? enumWord(RunStatusSchema, status) : (json.state ?? "unspecified");
  delete json.runStatus;
  json.phases = view.phases.map((p: PhaseView, i) => {
    const pj = (json.phases as JsonObject[])[i]!;
    pj.state = enumWord(PhaseStateSchema, phaseViewStateOf(p));
    delete pj.phaseState;
    return pj;
  });
  return json;
}

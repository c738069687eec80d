import assert from "node:assert/strict";
import { test } from "node:test";
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { FactorService, Phase } from "@sigma/contracts";
import { FailedPreconditionError, toConnectError } from "@sigma/runtime";
import { PhaseFailedError } from "../phases/step.js";
import { describeFailure } from "./describe-failure.js";

/** google.rpc.BadRequest{field_violations: [{field, description}]} in wire form (no schema needed). */
function badRequest(field: string, description: string): Uint8Array {
  const violation = new BinaryWriter().uint32(10).string(field).uint32(18).string(description).finish();
  return new BinaryWriter().uint32(10).bytes(violation).finish();
}

test("a peer's own message reaches the summary as written, with the phase and the status code", async () => {
  const transport = createRouterTransport(({ service }) =>
    service(FactorService, {
      computeSymbolFactors() {
        throw toConnectError(new FailedPreconditionError('daily_prices.csv:608: close is not a number: "abc"'));
      },
    }),
  );
  const err = await createClient(FactorService, transport)
    .computeSymbolFactors({ symbols: ["A"], startDate: "2020-01-02", endDate: "2020-01-03" })
    .catch((e: unknown) => e);
  assert.equal(
    describeFailure(err, Phase.SYMBOL_FACTORS),
    'Factor Analysis failed: FAILED_PRECONDITION: daily_prices.csv:608: close is not a number: "abc"',
  );
});

test("error details sent by a peer (e.g. field violations) are carried into the summary", async () => {
  const transport = createRouterTransport(({ service }) =>
    service(FactorService, {
      computeSymbolFactors() {
        // A detail already in wire form (what a peer without our schemas relays), so no google.rpc schema is needed here.
        const detail = { type: "google.rpc.BadRequest", value: badRequest("daily_prices.csv:608", 'close is not a number: "abc"') };
        throw new ConnectError("bad price file", Code.InvalidArgument, undefined, [detail as never]);
      },
    }),
  );
  const err = await createClient(FactorService, transport)
    .computeSymbolFactors({ symbols: ["A"], startDate: "2020-01-02", endDate: "2020-01-03" })
    .catch((e: unknown) => e);
  assert.equal(
    describeFailure(err, Phase.SYMBOL_FACTORS),
    'Factor Analysis failed: INVALID_ARGUMENT: bad price file (daily_prices.csv:608: close is not a number: "abc")',
  );
});

test("multi-line messages become one line; a phase failure keeps its own words; other errors name their type", () => {
  const multi = new ConnectError("invalid run range\nstart_date: bad\nend_date: bad", Code.InvalidArgument);
  assert.equal(describeFailure(multi, undefined), "INVALID_ARGUMENT: invalid run range; start_date: bad; end_date: bad");
  assert.equal(
    describeFailure(new PhaseFailedError("market data: 3 symbols in scope and none has prices"), Phase.MARKET_DATA),
    "Market Data Collection failed: market data: 3 symbols in scope and none has prices",
  );
  assert.equal(describeFailure(new RangeError("x"), undefined), "RangeError: x");
});

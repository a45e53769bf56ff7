// consumer.ts — a TypeScript user of the installed package (make npm-test): type-checked with
// `tsc --strict --noEmit` in a fresh project where `npm install rill-flow-X.Y.Z.tgz` put it, so the
// package's exports map and "types" are what resolve 'rill-flow'. Never run. The lines marked
// as expected errors must stay errors (tsc fails if one compiles), so the types stay strict.

import {
  ACTIVATIONS, DATASETS, EVALUATIONS, Model, Rill, RillError, SOLVERS, Trainer,
  type Activation, type Dataset, type ModelInfo, type ModelMetadata, type Points, type RillStatus,
  type SampleResult, type Solver, type StepEmbedding, type TrainerOptions,
} from 'rill-flow';

export async function use(bytes: Uint8Array, wasm: WebAssembly.Module): Promise<number> {
  const rill: Rill = await Rill.load();
  const again: Rill = await Rill.load(wasm);
  const fromUrl = Rill.load(new URL('https://example.org/rill.wasm'));
  const version: string = rill.version;
  const memory: number = rill.memoryBytes + again.memoryBytes;

  const model: Model = rill.loadModel(bytes);
  const info: ModelInfo = model.info;
  const dim: number = info.dim + info.depth + info.layers + info.width + info.timeK + info.params + info.flops;
  const act: Activation | 'unknown' = info.activation;
  const meta: ModelMetadata = info.metadata;
  const format: string | undefined = meta['rill.format'];
  const sampled: SampleResult = model.sample({ n: 100, steps: 8, solver: 'rk4', seed: 7, trajectory: true });
  const x: Float32Array = sampled.x;
  const trajectory: Float32Array | null = sampled.trajectory;
  const back = model.integrate(x, { steps: 8, solver: 2, t0: 1, t1: 0 });
  const u: Float32Array = model.field([0, 0, 1, 1], 0.5);
  const step: StepEmbedding = model.stepEmbedding;  // 'none', or 'raw' / 'sin:K' for a step-conditioned model
  const stepK: number = info.stepK;
  const average: Float32Array = model.field([0, 0], { t: 0.25, h: 0.5 });  // a step model's average velocity
  const stepMeta: string | undefined = meta.step_embedding;
  const fromPoints: Points = new Float64Array(4);
  model.field(fromPoints, 0);
  model.sample();
  model.free();

  const opts: TrainerOptions = { dataset: 'moons', width: 32, depth: 2, activation: 'gelu', timeK: 4, steps: 100,
    batch: 64, lr: 2e-3, schedule: 'cosine', warmup: 10, lrFloor: 0.1, clip: 1, ema: 0.99, coupling: 'ot',
    sigmaMin: 0, seed: 1 };
  const trainer: Trainer = rill.trainer(opts);
  const own: Trainer = rill.trainer({ points: new Float32Array([0, 0, 1, 1, 2, 2]), dim: 2 });
  const losses: Float32Array = trainer.step(10);
  const done: number = trainer.stepsDone + own.step().length;
  const preview: SampleResult = trainer.model().sample({ n: 10 });
  const file: Uint8Array = trainer.save();
  trainer.free();
  own.free();

  const points: Float32Array = rill.drawDataset('8gaussians', 100, 3);
  const solver: Solver = SOLVERS[3];
  const dataset: Dataset = DATASETS[0];
  const firstAct: Activation = ACTIVATIONS[0];
  const evals: number = EVALUATIONS[solver];

  try {
    rill.loadModel(new Uint8Array(3));
  } catch (e) {
    if (e instanceof RillError) {
      const status: RillStatus = e.status;
      const code: number = e.code;
      const message: string = e.message;
      return code + status.length + message.length;
    }
  }

  // @ts-expect-error: not a solver
  model.sample({ solver: 'rk5' });
  // @ts-expect-error: not an option of sample()
  model.sample({ count: 10 });
  // @ts-expect-error: a dataset or points, not both
  rill.trainer({ dataset: 'moons', points: [0, 0] });
  // @ts-expect-error: not a dataset
  rill.drawDataset('mnist', 10);
  // @ts-expect-error: the samples are floats, not a string
  const wrong: string = model.sample().x;
  // @ts-expect-error: the trajectory may be null
  const notNull: Float32Array = model.sample().trajectory;
  // @ts-expect-error: info is read-only
  model.info.dim = 3;
  // @ts-expect-error: k is a number
  trainer.step('10');
  // @ts-expect-error: not a trainer option
  rill.trainer({ learningRate: 1 });
  // @ts-expect-error: h is a number
  model.field([0, 0], { t: 0, h: '0.5' });
  // @ts-expect-error: not a step embedding
  const badStep: StepEmbedding = 'cos:2';

  void fromUrl; void wrong; void notNull; void badStep;
  return version.length + memory + dim + act.length + (format?.length ?? 0) + (trajectory?.length ?? 0)
    + back.x.length + u.length + losses.length + done + preview.x.length + file.length + points.length
    + evals + dataset.length + firstAct.length + step.length + stepK + average.length + (stepMeta?.length ?? 0);
}

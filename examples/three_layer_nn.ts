// Article No.11 step by step: the seed's 3-layer network (784-500-100-3, LeakyReLU 0.1, SSE,
// Momentum) built from loose parts, then the same network as one Sequential. Run: npm start

import {
  Affine,
  type Layer,
  LeakyRelu,
  Momentum,
  Random,
  SumSquaredError,
  Tensor,
  threeLayerNet,
} from '../src/index.js';

/** Prints like numpy: the first rows, three values from each end of every row. */
function formatRows(x: Tensor, rows: number): string {
  const width = x.shape[1];
  const number = (v: number) => v.toFixed(8).padStart(11);
  const lines = [];
  for (let r = 0; r < Math.min(rows, x.shape[0]); r++) {
    const row = x.data.subarray(r * width, (r + 1) * width);
    const head = [...row.subarray(0, 3)].map(number).join(' ');
    const tail = [...row.subarray(width - 3)].map(number).join(' ');
    lines.push(`[${head} ... ${tail}]`);
  }
  return lines.join('\n');
}

const shape = (t: Tensor) => `(${t.shape.join(', ')})`;

/** Runs the walkthrough, printing each step with `print`. */
export function runThreeLayerDemo(print: (line: string) => void): void {
  const rng = new Random(0); // every random number below comes from this seeded generator

  print('== 1. Weights and biases (weight_init_std = 0.01) ==');
  const weightInitStd = 0.01;
  const params = new Map<string, Tensor>([
    ['W1', Tensor.randn([784, 500], rng, weightInitStd)],
    ['b1', new Tensor([1, 500])],
    ['W2', Tensor.randn([500, 100], rng, weightInitStd)],
    ['b2', new Tensor([1, 100])],
    ['W3', Tensor.randn([100, 3], rng, weightInitStd)],
    ['b3', new Tensor([1, 3])],
  ]);
  for (const [key, value] of params) print(`key: ${key}, shape of values: ${shape(value)}`);

  print('\n== 2. The layers (they hold the very tensors in params) ==');
  const param = (key: string) => params.get(key) as Tensor;
  const affine1 = new Affine({ inFeatures: 784, outFeatures: 500, W: param('W1'), b: param('b1') });
  const affine2 = new Affine({ inFeatures: 500, outFeatures: 100, W: param('W2'), b: param('b2') });
  const affine3 = new Affine({ inFeatures: 100, outFeatures: 3, W: param('W3'), b: param('b3') });
  const layers = new Map<string, Layer>([
    ['Affine1', affine1],
    ['LeakyReLU1', new LeakyRelu(0.1)],
    ['Affine2', affine2],
    ['LeakyReLU2', new LeakyRelu(0.1)],
    ['Affine3', affine3],
  ]);
  for (const [key, layer] of layers) print(`key: ${key}, values: ${layer.label}`);

  print('\n== 3. Forward pass (predict), with each layer’s output shape ==');
  const predict = (input: Tensor): Tensor => {
    let x = input;
    for (const layer of layers.values()) {
      x = layer.forward(x, 'train'); // 'train' keeps what backward needs (the seed's self.x)
      print(`layer: ${layer.label}, x: ${shape(x)}`);
    }
    return x;
  };
  const x = Tensor.rand([1, 784], rng); // np.random.rand(1, 784)
  const y = predict(x);
  print(`\n[[${[...y.data].map((v) => v.toFixed(8)).join(' ')}]]`);

  print('\n== 4. The loss for t = [1, 2, 3] ==');
  const lossFunction = new SumSquaredError();
  const t = Tensor.from([[1, 2, 3]]); // one target row: shape [1, 3], the same as y
  print(`${lossFunction.forward(y, t)}`);

  print('\n== 5. Backward pass (gradient): dL/dy through every layer in reverse ==');
  let dout = lossFunction.backward();
  for (const layer of [...layers.values()].reverse()) dout = layer.backward(dout);
  const grads = new Map<string, Tensor>([
    ['W1', affine1.W.grad],
    ['b1', affine1.b.grad],
    ['W2', affine2.W.grad],
    ['b2', affine2.b.grad],
    ['W3', affine3.W.grad],
    ['b3', affine3.b.grad],
  ]);
  for (const [key, grad] of grads) print(`grad: ${key}, shape: ${shape(grad)}`);

  print('\n== 6. One Momentum update (lr 0.01, momentum 0.9) ==');
  const momentum = new Momentum({ lr: 0.01, momentum: 0.9 });
  print('before params');
  print(formatRows(param('W1'), 5));
  momentum.update(params, grads);
  print('\nafter params');
  print(formatRows(param('W1'), 5));

  print('\n== 7. The same network as one Sequential: threeLayerNet() ==');
  // Seed 0 draws W1, W2, W3 in the same order as step 1, so this net starts from the same weights.
  const net = threeLayerNet({ seed: 0 });
  print(net.summary());
  const opt = new Momentum({ lr: 0.01, momentum: 0.9 });
  const tNet = Tensor.from([[1, 2, 3]]);
  print('\nstep  loss (the same x and t = [1, 2, 3]; step 1 repeats the loss of part 4)');
  for (let step = 1; step <= 5; step++) {
    const loss = net.loss(x, tNet);
    opt.update(net.params(), net.gradient(x, tNet));
    print(`${String(step).padStart(4)}  ${loss.toFixed(6)}`);
  }
  print(`prediction after 5 steps: [${[...net.predict(x).data].map((v) => v.toFixed(4)).join(', ')}]`);
}

runThreeLayerDemo((line) => process.stdout.write(`${line}\n`));

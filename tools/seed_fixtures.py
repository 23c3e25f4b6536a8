"""Writes test/fixtures/seed_three_layer.safetensors: the seed article's own numpy code run on seeded
weights and inputs, so zerodl's tests can check exact parity without Python at test time.

Two runs on the same initial weights (np.random.seed(0), W = 0.01*randn, b = zeros((1, n))):
  b1.*  the article's classes verbatim (NeuralNetwork1), batch 1, t = [[1, 2, 3]];
  b4.*  the batch-correct variant (db summed over the batch), batch 4, random targets.
Each run stores x, t, predict output y, the loss, every gradient, and the parameters after 3 Momentum
steps (predict -> loss -> gradient -> update, repeated on the same x, t).
It also records that the article's classes fail at batch 4 (numpy refuses the in-place bias update).

Run: python3 tools/seed_fixtures.py   (numpy only; the output is committed)
"""
import os
from collections import OrderedDict

import numpy as np

from fixture_io import write_safetensors

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'seed_three_layer.safetensors')


# ---- The article's classes (article No.11), verbatim apart from translated comments ----

class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.x = None
        self.dW = None
        self.db = None

    def forward(self, x):
        self.x = x
        out = np.dot(x, self.W) + self.b
        return out

    def backward(self, dout):
        dx = np.dot(dout, self.W.T)
        self.dW = np.dot(self.x.T, dout)
        self.db = dout  # the article's bias gradient: right only for batch 1
        return dx


class LeakyReLU:
    def __init__(self, alpha):
        self.x = None
        self.alpha = alpha

    def forward(self, x):
        self.x = x
        out = np.where(x > 0, x, self.alpha * x)
        return out

    def backward(self, dout):
        dx = np.where(self.x > 0, dout * 1, dout * self.alpha)
        return dx


class loss():
    def __init__(self):
        self.loss = None
        self.y = None
        self.t = None

    def forward(self, y, t):
        self.y = y
        self.t = t
        self.loss = np.sum((y - t) ** 2) / 2
        return self.loss

    def backward(self):
        dx = self.y - self.t
        return dx


class Momentum:
    def __init__(self, lr=0.01, momentum=0.9):
        self.lr = lr
        self.momentum = momentum
        self.v = None

    def update(self, params, grads):
        if self.v is None:
            self.v = {}
            for key, val in params.items():
                self.v[key] = np.zeros_like(val)
        for key in params.keys():
            self.v[key] = self.momentum * self.v[key] - self.lr * grads[key]
            params[key] += self.v[key]


class NeuralNetwork1:
    def __init__(self):
        weight_init_std = 0.01
        self.params = {}
        self.grads = {}
        self.params['W1'] = weight_init_std * np.random.randn(784, 500)
        self.params['b1'] = np.zeros((1, 500))
        self.params['W2'] = weight_init_std * np.random.randn(500, 100)
        self.params['b2'] = np.zeros((1, 100))
        self.params['W3'] = weight_init_std * np.random.randn(100, 3)
        self.params['b3'] = np.zeros((1, 3))
        self.layers = OrderedDict()
        self.layers['Affine1'] = Affine(self.params['W1'], self.params['b1'])
        self.layers['LeakyReLU1'] = LeakyReLU(0.1)
        self.layers['Affine2'] = Affine(self.params['W2'], self.params['b2'])
        self.layers['LeakyReLU2'] = LeakyReLU(0.1)
        self.layers['Affine3'] = Affine(self.params['W3'], self.params['b3'])
        self.loss = loss()
        self.update = Momentum()

    def predict(self, x):
        for layer in self.layers.values():
            x = layer.forward(x)
        return x

    def loss_func(self, x, t):
        return self.loss.forward(x, t)

    def gradient(self):
        dout = self.loss.backward()
        layers = list(self.layers.values())
        layers.reverse()
        for layer in layers:
            dout = layer.backward(dout)
        self.grads['W1'] = self.layers['Affine1'].dW
        self.grads['b1'] = self.layers['Affine1'].db
        self.grads['W2'] = self.layers['Affine2'].dW
        self.grads['b2'] = self.layers['Affine2'].db
        self.grads['W3'] = self.layers['Affine3'].dW
        self.grads['b3'] = self.layers['Affine3'].db
        return self.grads

    def update_func(self):
        self.update.update(self.params, self.grads)


# ---- The batch-correct variant: the only change is db = sum over the batch ----

class AffineBatch(Affine):
    def backward(self, dout):
        dx = np.dot(dout, self.W.T)
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0, keepdims=True)
        return dx


def network(kind, init):
    nn = NeuralNetwork1()  # draws fresh weights; replaced below by copies of the shared init
    for key in nn.params:
        nn.params[key] = init[key].copy()
    affine = Affine if kind == 'seed' else AffineBatch
    p = nn.params
    nn.layers = OrderedDict()
    nn.layers['Affine1'] = affine(p['W1'], p['b1'])
    nn.layers['LeakyReLU1'] = LeakyReLU(0.1)
    nn.layers['Affine2'] = affine(p['W2'], p['b2'])
    nn.layers['LeakyReLU2'] = LeakyReLU(0.1)
    nn.layers['Affine3'] = affine(p['W3'], p['b3'])
    return nn


def run(prefix, kind, init, x, t, tensors, metadata):
    nn = network(kind, init)
    y = nn.predict(x)
    metadata[prefix + 'loss'] = repr(float(nn.loss_func(y, t)))
    grads = nn.gradient()
    tensors[prefix + 'x'] = x
    tensors[prefix + 't'] = t
    tensors[prefix + 'y'] = y
    for key, grad in grads.items():
        tensors[prefix + 'grad.' + key] = grad.copy()
    for step in range(3):
        if step > 0:
            nn.loss_func(nn.predict(x), t)
            nn.gradient()
        nn.update_func()
    for key, value in nn.params.items():
        tensors[prefix + 'after3.' + key] = value


def main():
    np.random.seed(0)
    init = NeuralNetwork1().params
    x1 = np.random.rand(1, 784)
    t1 = np.array([[1.0, 2.0, 3.0]])  # the article writes np.array([1, 2, 3]); shape [1, 3] is what it means
    x4 = np.random.rand(4, 784)
    t4 = np.random.rand(4, 3) * 3

    tensors = OrderedDict()
    metadata = {}
    for key, value in init.items():
        tensors['init.' + key] = value
    run('b1.', 'seed', init, x1, t1, tensors, metadata)
    run('b4.', 'batch', init, x4, t4, tensors, metadata)

    # The article's own classes at batch 4: the bias update must fail (db has shape [4, n]).
    try:
        nn = network('seed', init)
        nn.loss_func(nn.predict(x4), t4)
        nn.gradient()
        nn.update_func()
        metadata['seed_at_batch4'] = 'no error'
    except ValueError as error:
        metadata['seed_at_batch4'] = str(error)

    write_safetensors(OUT, tensors, metadata)
    print(f'wrote {os.path.normpath(OUT)}: {len(tensors)} tensors, b1 loss {metadata["b1.loss"]}, '
          f'b4 loss {metadata["b4.loss"]}; article code at batch 4: {metadata["seed_at_batch4"]}')


if __name__ == '__main__':
    main()

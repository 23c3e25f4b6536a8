"""Writes test/fixtures/torch_layers.safetensors: PyTorch's forward outputs and gradients for zerodl's
convolutional layers, so src/layers/torch_parity.test.ts can check parity without Python at test time.

Every case stores its inputs and parameters (float32 values, computed on in float64), the output y, a
fixed random upstream gradient dy, and the gradients dx, dW, db (PyTorch names translated to zerodl's:
Conv2d W [filters, in, k, k] and b [filters] as PyTorch; Linear weight [out, in] stored transposed as
zerodl's Affine W [in, out], bias as b [1, out]). Metadata `cases` lists the cases with their options.
  conv.*   Conv2d: stride 1/2, pad 0/1/2, k 1/3/5, odd sizes, batch > 1
  max.*    MaxPool2d, avg.* AvgPool2d (count_include_pad, as zerodl): stride != kernel, padding
  bn2d.*   BatchNorm2d, bn1d.* BatchNorm1d: train forward and backward, running stats after one step, eval forward
  gap.*    global average pooling (AdaptiveAvgPool2d(1) + flatten); softmax.* Softmax(dim=1)
  cnn.*    conv -> relu -> maxpool -> conv -> relu -> flatten -> linear, softmax cross-entropy (mean),
           two SGD-momentum steps (lr 0.1, momentum 0.9): loss, every grad of step 1, params after each step

Run: /usr/bin/python3 tools/torch_layer_fixtures.py   (PyTorch 1.13, Debian's python3-torch; output committed)
"""
import json
import os
from collections import OrderedDict

import torch

from fixture_io import write_safetensors

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'torch_layers.safetensors')
torch.manual_seed(0)
tensors = OrderedDict()
cases = OrderedDict()


def rand(*shape):
    """Uniform [-1, 1) values that float32 holds exactly, as float64 for the computation."""
    return (torch.rand(*shape, dtype=torch.float32) * 2 - 1).double()


def put(name, value):
    tensors[name] = value.detach().double().clone()  # a copy: modules update their tensors in place


def run_layer(prefix, module, x, options):
    module = module.double()
    x = x.clone().requires_grad_(True)
    y = module(x)
    dy = rand(*y.shape)
    y.backward(dy)
    put(prefix + 'x', x)
    put(prefix + 'y', y)
    put(prefix + 'dy', dy)
    put(prefix + 'dx', x.grad)
    cases[prefix.rstrip('.')] = options
    return module


def conv_cases():
    for name, (c, f, k, s, p, shape) in {
        'k3s1p1': (2, 3, 3, 1, 1, (2, 2, 7, 7)),
        'k3s2p1': (3, 4, 3, 2, 1, (3, 3, 9, 8)),
        'k5s1p2': (1, 2, 5, 1, 2, (2, 1, 6, 7)),
        'k1s1p0': (4, 3, 1, 1, 0, (2, 4, 5, 5)),
        'k5s2p0': (2, 2, 5, 2, 0, (2, 2, 11, 9)),
        'k3s2p2': (2, 3, 3, 2, 2, (2, 2, 7, 7)),
    }.items():
        conv = torch.nn.Conv2d(c, f, k, stride=s, padding=p).double()
        with torch.no_grad():
            conv.weight.copy_(rand(f, c, k, k))
            conv.bias.copy_(rand(f))
        prefix = f'conv.{name}.'
        put(prefix + 'W', conv.weight)
        put(prefix + 'b', conv.bias)
        run_layer(prefix, conv, rand(*shape), {'inChannels': c, 'filters': f, 'kernelSize': k, 'stride': s, 'pad': p})
        put(prefix + 'dW', conv.weight.grad)
        put(prefix + 'db', conv.bias.grad)


def pool_cases():
    for name, (k, s, p, shape) in {
        'k2s2p0': (2, 2, 0, (2, 3, 8, 8)),
        'k3s2p1': (3, 2, 1, (2, 2, 7, 9)),
        'k2s1p0': (2, 1, 0, (2, 2, 5, 5)),
        'k3s3p1': (3, 3, 1, (1, 2, 8, 7)),
    }.items():
        options = {'kernelSize': k, 'stride': s, 'pad': p}
        run_layer(f'max.{name}.', torch.nn.MaxPool2d(k, stride=s, padding=p), rand(*shape), options)
        run_layer(f'avg.{name}.', torch.nn.AvgPool2d(k, stride=s, padding=p), rand(*shape), options)


def batch_norm_cases():
    for name, module, shape in (
        ('bn2d', torch.nn.BatchNorm2d(3, momentum=0.1, eps=1e-5), (4, 3, 5, 5)),
        ('bn1d', torch.nn.BatchNorm1d(5, momentum=0.1, eps=1e-5), (6, 5)),
    ):
        features = shape[1]
        module = module.double()
        with torch.no_grad():
            module.weight.copy_(rand(features) * 0.5 + 1)
            module.bias.copy_(rand(features))
            module.running_mean.copy_(rand(features) * 0.5)
            module.running_var.copy_(rand(features) * 0.5 + 1)
        prefix = name + '.'
        put(prefix + 'gamma', module.weight)
        put(prefix + 'beta', module.bias)
        put(prefix + 'runningMean', module.running_mean)
        put(prefix + 'runningVar', module.running_var)
        module.train()
        run_layer(prefix, module, rand(*shape) * 2 + 0.5, {'features': features})
        put(prefix + 'dgamma', module.weight.grad)
        put(prefix + 'dbeta', module.bias.grad)
        put(prefix + 'runningMeanAfter', module.running_mean)
        put(prefix + 'runningVarAfter', module.running_var)
        module.eval()
        x_eval = rand(*shape)
        put(prefix + 'xEval', x_eval)
        put(prefix + 'yEval', module(x_eval))


def small_cases():
    gap = torch.nn.Sequential(torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten())
    run_layer('gap.', gap, rand(2, 3, 5, 4), {})
    run_layer('softmax.', torch.nn.Softmax(dim=1), rand(4, 7) * 3, {})


def cnn_case():
    net = torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(4, 6, 3), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(54, 5),
    ).double()
    conv1, conv2, linear = net[0], net[3], net[6]
    with torch.no_grad():
        for layer in (conv1, conv2, linear):
            layer.weight.copy_(rand(*layer.weight.shape) * 0.5)
            layer.bias.copy_(rand(*layer.bias.shape) * 0.1)

    def ours():  # zerodl's keys and layouts
        return {'W1': conv1.weight, 'b1': conv1.bias, 'W2': conv2.weight, 'b2': conv2.bias,
                'W3': linear.weight.t(), 'b3': linear.bias.reshape(1, -1)}

    for key, value in ours().items():
        put('cnn.init.' + key, value)
    x = rand(3, 1, 10, 10)
    labels = torch.tensor([0, 3, 4])
    put('cnn.x', x)
    put('cnn.t', torch.nn.functional.one_hot(labels, 5))
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    losses = []
    for step in (1, 2):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(net(x), labels)
        loss.backward()
        losses.append(loss.item())
        if step == 1:
            grads = {'W1': conv1.weight.grad, 'b1': conv1.bias.grad, 'W2': conv2.weight.grad,
                     'b2': conv2.bias.grad, 'W3': linear.weight.grad.t(), 'b3': linear.bias.grad.reshape(1, -1)}
            for key, value in grads.items():
                put('cnn.grad.' + key, value)
        optimizer.step()
        for key, value in ours().items():
            put(f'cnn.after{step}.' + key, value)
    cases['cnn'] = {'loss1': losses[0], 'loss2': losses[1], 'lr': 0.1, 'momentum': 0.9}


def main():
    conv_cases()
    pool_cases()
    batch_norm_cases()
    small_cases()
    cnn_case()
    write_safetensors(OUT, {name: value.float().contiguous().numpy() for name, value in tensors.items()},
                      {'generator': 'tools/torch_layer_fixtures.py', 'torch': torch.__version__,
                            'cases': json.dumps(cases)})
    print(f'wrote {len(tensors)} tensors, {os.path.getsize(OUT)} bytes to {os.path.relpath(OUT)}')


if __name__ == '__main__':
    main()

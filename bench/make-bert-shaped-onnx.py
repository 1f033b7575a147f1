#!/usr/bin/env python3
"""
A BERT-shaped sentence encoder with random weights, for measuring what a real small model costs
on this machine when the hub (and its weights) cannot be reached: the same graph and sizes as
all-MiniLM-L6-v2 (--layers 6) or bge-small-en-v1.5 (--layers 12): hidden 384, 12 heads,
intermediate 1536, vocabulary 30522, 512 positions. Compute does not depend on the weights'
values, so throughput, CPU use and memory are the real model's; what it finds is meaningless.

    pip install onnx numpy tokenizers && python3 bench/make-bert-shaped-onnx.py OUT_DIR [--layers 6]

Writes OUT_DIR/onnx/model.onnx, config.json, tokenizer.json (a WordPiece vocabulary of the same
size, trained on Python's standard library), tokenizer_config.json, 1_Pooling/config.json.
"""
import argparse
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from stdlib_corpus import stdlib_sources
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

H, HEADS, FF, VOCAB, POS = 384, 12, 1536, 30522, 512


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('out')
    ap.add_argument('--layers', type=int, default=6)
    args = ap.parse_args()
    rng = np.random.default_rng(7)
    inits, nodes = [], []

    def w(name, *shape, scale=0.02):
        inits.append(numpy_helper.from_array((rng.standard_normal(shape) * scale).astype(np.float32), name))
        return name

    def const(name, values, dtype=np.int64):
        inits.append(numpy_helper.from_array(np.array(values, dtype=dtype), name))
        return name

    def node(op, inputs, output, **attrs):
        nodes.append(helper.make_node(op, inputs, [output], **attrs))
        return output

    def layer_norm(x, name):
        inits.append(numpy_helper.from_array(np.ones(H, np.float32), f'{name}.g'))
        inits.append(numpy_helper.from_array(np.zeros(H, np.float32), f'{name}.b'))
        return node('LayerNormalization', [x, f'{name}.g', f'{name}.b'], f'{name}.out', axis=-1, epsilon=1e-12)

    def linear(x, name, n_in, n_out):
        m = node('MatMul', [x, w(f'{name}.w', n_in, n_out)], f'{name}.mm')
        return node('Add', [m, w(f'{name}.bias', n_out, scale=0.0)], f'{name}.out')

    # Embeddings: words + positions + types, then LayerNorm.
    seq_shape = node('Shape', ['input_ids'], 'ids.shape')
    seq_len = node('Gather', [seq_shape, const('one', 1)], 'seq.len', axis=0)
    positions = node('Range', [const('zero', 0), seq_len, const('step', 1)], 'positions')
    x = node('Gather', [w('word_emb', VOCAB, H), 'input_ids'], 'e.words', axis=0)
    x = node('Add', [x, node('Gather', [w('pos_emb', POS, H), positions], 'e.pos', axis=0)], 'e.sum1')
    x = node('Add', [x, node('Gather', [w('type_emb', 2, H), 'token_type_ids'], 'e.types', axis=0)], 'e.sum2')
    x = layer_norm(x, 'e.ln')

    # Attention mask → additive bias [B, 1, 1, S].
    m = node('Cast', ['attention_mask'], 'mask.f', to=TensorProto.FLOAT)
    m = node('Unsqueeze', [m, const('axes12', [1, 2])], 'mask.u')
    m = node('Sub', [const('onef', 1.0, np.float32), m], 'mask.inv')
    bias = node('Mul', [m, const('neg', -10000.0, np.float32)], 'mask.bias')

    heads_shape = const('heads.shape', [0, 0, HEADS, H // HEADS])
    merge_shape = const('merge.shape', [0, 0, H])
    scale = const('scale', 1.0 / np.sqrt(H // HEADS), np.float32)
    one_f, sqrt2, half = const('onef2', 1.0, np.float32), const('sqrt2', np.sqrt(2.0), np.float32), const('half', 0.5, np.float32)
    for i in range(args.layers):
        p = f'l{i}'
        def heads(t, name):
            r = node('Reshape', [t, heads_shape], f'{name}.r')
            return node('Transpose', [r], f'{name}.t', perm=[0, 2, 1, 3])
        q = heads(linear(x, f'{p}.q', H, H), f'{p}.qh')
        k = heads(linear(x, f'{p}.k', H, H), f'{p}.kh')
        v = heads(linear(x, f'{p}.v', H, H), f'{p}.vh')
        kt = node('Transpose', [k], f'{p}.kt', perm=[0, 1, 3, 2])
        s = node('Mul', [node('MatMul', [q, kt], f'{p}.qk'), scale], f'{p}.scaled')
        s = node('Softmax', [node('Add', [s, bias], f'{p}.masked')], f'{p}.probs', axis=-1)
        ctx = node('Transpose', [node('MatMul', [s, v], f'{p}.ctx')], f'{p}.ctxt', perm=[0, 2, 1, 3])
        ctx = node('Reshape', [ctx, merge_shape], f'{p}.ctxm')
        x = layer_norm(node('Add', [x, linear(ctx, f'{p}.o', H, H)], f'{p}.res1'), f'{p}.ln1')
        f = linear(x, f'{p}.ff1', H, FF)
        # GELU (erf form), as BERT uses.
        g = node('Mul', [f, node('Add', [one_f, node('Erf', [node('Div', [f, sqrt2], f'{p}.d')], f'{p}.erf')], f'{p}.e1')], f'{p}.g1')
        g = node('Mul', [g, half], f'{p}.gelu')
        x = layer_norm(node('Add', [x, linear(g, f'{p}.ff2', FF, H)], f'{p}.res2'), f'{p}.ln2')
    nodes.append(helper.make_node('Identity', [x], ['last_hidden_state']))

    graph = helper.make_graph(
        nodes,
        'bert-shaped',
        [helper.make_tensor_value_info(n, TensorProto.INT64, ['batch', 'sequence']) for n in ['input_ids', 'attention_mask', 'token_type_ids']],
        [helper.make_tensor_value_info('last_hidden_state', TensorProto.FLOAT, ['batch', 'sequence', H])],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    os.makedirs(os.path.join(args.out, 'onnx'), exist_ok=True)
    os.makedirs(os.path.join(args.out, '1_Pooling'), exist_ok=True)
    onnx.save(model, os.path.join(args.out, 'onnx', 'model.onnx'))

    # A WordPiece vocabulary of BERT's size trained on Python's standard library, uncased as
    # MiniLM's and bge's: token counts close to the real ones (a made-up vocabulary would split
    # code into letters and overstate every input's length).
    tok = Tokenizer(models.WordPiece(unk_token='[UNK]'))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    specials = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']

    tok.train_from_iterator(stdlib_sources(), trainers.WordPieceTrainer(vocab_size=VOCAB, special_tokens=specials, show_progress=False))
    cls, sep = tok.token_to_id('[CLS]'), tok.token_to_id('[SEP]')
    tok.post_processor = processors.TemplateProcessing(single='[CLS] $A [SEP]', pair='[CLS] $A [SEP] $B:1 [SEP]:1', special_tokens=[('[CLS]', cls), ('[SEP]', sep)])
    tok = json.loads(tok.to_str())
    files = {
        'tokenizer.json': tok,
        'tokenizer_config.json': {'tokenizer_class': 'BertTokenizer', 'do_lower_case': True, 'model_max_length': 512},
        'config.json': {'model_type': 'bert', 'hidden_size': H, 'num_hidden_layers': args.layers, 'max_position_embeddings': POS, 'vocab_size': VOCAB},
        '1_Pooling/config.json': {'word_embedding_dimension': H, 'pooling_mode_mean_tokens': True},
    }
    for name, content in files.items():
        with open(os.path.join(args.out, name), 'w') as f:
            json.dump(content, f)


if __name__ == '__main__':
    main()

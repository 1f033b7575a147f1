#!/usr/bin/env python3
"""
Writes test/fixtures/models/tiny-embedder: a sentence-embedding model made for the tests, in the
layout of a Hugging Face repository (config.json, tokenizer.json, tokenizer_config.json,
modules.json, 1_Pooling/config.json, onnx/model.onnx), a few tens of KB.

Its graph is a BERT-shaped interface with no layers: token embeddings plus token-type embeddings,
`last_hidden_state` = E[input_ids] + T[token_type_ids], [batch, seq, 32]. Mean pooling over the
attention mask then gives texts that share words nearby vectors, so dense search has something
to find. Weights come from a fixed seed: the same file every time.

    pip install onnx==1.23.1 numpy && python3 scripts/make-tiny-embedder.py
"""
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'models', 'tiny-embedder')
HIDDEN = 32

SPECIAL = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']
WORDS = """
function return const let var class def self import export from async await if else for while
try catch except raise throw new this null none true false error request response retry retries
handler timeout timer socket connection pool client server header headers body status code
body stream buffer read write file path open close parse json token tokens query search index
vector embed embedding chunk cache hash config value key name type string number list map set
get post put delete send receive data message event listener callback promise resolve reject
test assert expect user session auth login password secret logger log debug warn info start stop
""".split()
LETTERS = list('abcdefghijklmnopqrstuvwxyz0123456789_')
PUNCT = list('.,;:(){}[]<>=+-*/!?\'"`#@$%^&|~\\')
VOCAB = SPECIAL + sorted(set(WORDS)) + LETTERS + ['##' + c for c in LETTERS] + PUNCT


def main():
    os.makedirs(os.path.join(OUT, 'onnx'), exist_ok=True)
    os.makedirs(os.path.join(OUT, '1_Pooling'), exist_ok=True)
    vocab = {tok: i for i, tok in enumerate(VOCAB)}
    rng = np.random.default_rng(20261207)
    emb = rng.standard_normal((len(VOCAB), HIDDEN)).astype(np.float32)
    emb[0] = 0.0  # [PAD]
    types = (rng.standard_normal((2, HIDDEN)) * 0.01).astype(np.float32)

    graph = helper.make_graph(
        [
            helper.make_node('Gather', ['word_embeddings', 'input_ids'], ['words'], axis=0),
            helper.make_node('Gather', ['token_type_embeddings', 'token_type_ids'], ['types'], axis=0),
            helper.make_node('Add', ['words', 'types'], ['last_hidden_state']),
        ],
        'tiny-embedder',
        [
            helper.make_tensor_value_info('input_ids', TensorProto.INT64, ['batch', 'sequence']),
            helper.make_tensor_value_info('attention_mask', TensorProto.INT64, ['batch', 'sequence']),
            helper.make_tensor_value_info('token_type_ids', TensorProto.INT64, ['batch', 'sequence']),
        ],
        [helper.make_tensor_value_info('last_hidden_state', TensorProto.FLOAT, ['batch', 'sequence', HIDDEN])],
        initializer=[numpy_helper.from_array(emb, 'word_embeddings'), numpy_helper.from_array(types, 'token_type_embeddings')],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)], producer_name='codeweaver-tests')
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(OUT, 'onnx', 'model.onnx'))

    special = lambda tok: {'id': tok, 'type_id': 0}
    tokenizer = {
        'version': '1.0',
        'truncation': None,
        'padding': None,
        'added_tokens': [
            {'id': vocab[t], 'content': t, 'single_word': False, 'lstrip': False, 'rstrip': False, 'normalized': False, 'special': True}
            for t in SPECIAL
        ],
        'normalizer': {'type': 'BertNormalizer', 'clean_text': True, 'handle_chinese_chars': True, 'strip_accents': None, 'lowercase': True},
        'pre_tokenizer': {'type': 'BertPreTokenizer'},
        'post_processor': {
            'type': 'TemplateProcessing',
            'single': [{'SpecialToken': special('[CLS]')}, {'Sequence': {'id': 'A', 'type_id': 0}}, {'SpecialToken': special('[SEP]')}],
            'pair': [
                {'SpecialToken': special('[CLS]')},
                {'Sequence': {'id': 'A', 'type_id': 0}},
                {'SpecialToken': special('[SEP]')},
                {'Sequence': {'id': 'B', 'type_id': 1}},
                {'SpecialToken': {'id': '[SEP]', 'type_id': 1}},
            ],
            'special_tokens': {t: {'id': t, 'ids': [vocab[t]], 'tokens': [t]} for t in ['[CLS]', '[SEP]']},
        },
        'decoder': {'type': 'WordPiece', 'prefix': '##', 'cleanup': True},
        'model': {'type': 'WordPiece', 'unk_token': '[UNK]', 'continuing_subword_prefix': '##', 'max_input_chars_per_word': 100, 'vocab': vocab},
    }
    files = {
        'tokenizer.json': tokenizer,
        'tokenizer_config.json': {
            'tokenizer_class': 'BertTokenizer',
            'do_lower_case': True,
            'model_max_length': 128,
            'cls_token': '[CLS]',
            'sep_token': '[SEP]',
            'pad_token': '[PAD]',
            'unk_token': '[UNK]',
            'mask_token': '[MASK]',
        },
        'config.json': {'model_type': 'bert', 'hidden_size': HIDDEN, 'max_position_embeddings': 128, 'vocab_size': len(VOCAB)},
        'modules.json': [
            {'idx': 0, 'name': '0', 'path': '', 'type': 'sentence_transformers.models.Transformer'},
            {'idx': 1, 'name': '1', 'path': '1_Pooling', 'type': 'sentence_transformers.models.Pooling'},
            {'idx': 2, 'name': '2', 'path': '2_Normalize', 'type': 'sentence_transformers.models.Normalize'},
        ],
        '1_Pooling/config.json': {'word_embedding_dimension': HIDDEN, 'pooling_mode_cls_token': False, 'pooling_mode_mean_tokens': True, 'pooling_mode_max_tokens': False},
    }
    for name, content in files.items():
        with open(os.path.join(OUT, name), 'w') as f:
            json.dump(content, f, indent=1, sort_keys=True)
            f.write('\n')


if __name__ == '__main__':
    main()

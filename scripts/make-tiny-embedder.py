#!/usr/bin/env python3
"""
Writes two sentence-embedding models made for the tests, in the layout of a Hugging Face
repository, a few tens of KB each:

- test/fixtures/models/tiny-embedder: BERT-like (config.json, a WordPiece tokenizer.json,
  tokenizer_config.json, modules.json, 1_Pooling/config.json with mean pooling, onnx/model.onnx);
- test/fixtures/models/tiny-bpe-embedder: in the layout of the default model's ONNX community
  export (ModernBERT): a byte-level BPE tokenizer.json with [CLS] … [SEP] around each input, a
  graph taking no token_type_ids, and no 1_Pooling/ (cw knows the default's pooling: CLS). Its
  last_hidden_state at each position is that token's embedding plus the sum over the input, so
  the first token's vector depends on the whole text. expected-ids.json holds what Hugging Face's
  own tokenizers library makes of a few code texts, for comparison with the JS tokenizer.

Its graph is a BERT-shaped interface with no layers: token embeddings plus token-type embeddings,
`last_hidden_state` = E[input_ids] + T[token_type_ids], [batch, seq, 32]. Mean pooling over the
attention mask then gives texts that share words nearby vectors, so dense search has something
to find. Weights come from a fixed seed: the same file every time.

    pip install onnx==1.23.1 numpy tokenizers==0.23.2 && python3 scripts/make-tiny-embedder.py
"""
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

MODELS = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'models')
OUT = os.path.join(MODELS, 'tiny-embedder')
BPE_OUT = os.path.join(MODELS, 'tiny-bpe-embedder')
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


SAMPLES = [
    'def retry(request, timeout=30):\n    return handler(request)',
    'export async function searchIndex(query: string): Promise<Result[]> {}',
    'class ConnectionPool:  # reuse sockets\n\tpass',
    'naïve café — unicode → arrows',
]


def bpe_model():
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    os.makedirs(os.path.join(BPE_OUT, 'onnx'), exist_ok=True)
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    specials = ['[UNK]', '[CLS]', '[SEP]', '[PAD]', '[MASK]']
    trainer = trainers.BpeTrainer(vocab_size=400, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    corpus = [' '.join(WORDS[i:i + 12]) for i in range(0, len(WORDS), 12)] + ['def f(x):\n    return x', 'const a = b(c);', 'if (a) { return; }']
    tok.train_from_iterator(corpus, trainer)
    tok.add_special_tokens(specials)
    cls, sep = tok.token_to_id('[CLS]'), tok.token_to_id('[SEP]')
    tok.post_processor = processors.TemplateProcessing(single='[CLS] $A [SEP]', pair='[CLS] $A [SEP] $B [SEP]', special_tokens=[('[CLS]', cls), ('[SEP]', sep)])
    size = tok.get_vocab_size()

    rng = np.random.default_rng(20261208)
    emb = rng.standard_normal((size, HIDDEN)).astype(np.float32)
    graph = helper.make_graph(
        [
            helper.make_node('Gather', ['word_embeddings', 'input_ids'], ['words'], axis=0),
            helper.make_node('Cast', ['attention_mask'], ['mask_f'], to=TensorProto.FLOAT),
            helper.make_node('Unsqueeze', ['mask_f', 'last_axis'], ['mask_u']),
            helper.make_node('Mul', ['words', 'mask_u'], ['kept']),
            helper.make_node('ReduceSum', ['kept', 'seq_axis'], ['total'], keepdims=1),
            helper.make_node('Add', ['words', 'total'], ['last_hidden_state']),
        ],
        'tiny-bpe-embedder',
        [
            helper.make_tensor_value_info('input_ids', TensorProto.INT64, ['batch', 'sequence']),
            helper.make_tensor_value_info('attention_mask', TensorProto.INT64, ['batch', 'sequence']),
        ],
        [helper.make_tensor_value_info('last_hidden_state', TensorProto.FLOAT, ['batch', 'sequence', HIDDEN])],
        initializer=[
            numpy_helper.from_array(emb, 'word_embeddings'),
            numpy_helper.from_array(np.array([2], dtype=np.int64), 'last_axis'),
            numpy_helper.from_array(np.array([1], dtype=np.int64), 'seq_axis'),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)], producer_name='codeweaver-tests')
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(BPE_OUT, 'onnx', 'model.onnx'))

    tokenizer = json.loads(tok.to_str())
    files = {
        'tokenizer.json': tokenizer,
        'tokenizer_config.json': {'tokenizer_class': 'PreTrainedTokenizerFast', 'model_max_length': 8192, 'cls_token': '[CLS]', 'sep_token': '[SEP]', 'pad_token': '[PAD]', 'unk_token': '[UNK]', 'mask_token': '[MASK]'},
        'config.json': {'model_type': 'modernbert', 'architectures': ['ModernBertModel'], 'hidden_size': HIDDEN, 'max_position_embeddings': 8192, 'vocab_size': size},
        'expected-ids.json': [{'text': t, 'ids': tok.encode(t).ids} for t in SAMPLES],
    }
    for name, content in files.items():
        with open(os.path.join(BPE_OUT, name), 'w') as f:
            json.dump(content, f, indent=1, sort_keys=True, ensure_ascii=False)
            f.write('\n')


if __name__ == '__main__':
    main()
    bpe_model()

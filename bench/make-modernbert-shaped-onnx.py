#!/usr/bin/env python3
"""
A ModernBERT encoder of granite-embedding-small-english-r2's shape, with random weights, for
measuring what the default onnx model costs on this machine when the hub (and its weights)
cannot be reached. The shape is the one the Granite Embedding R2 report states (Table 1): 12
layers, hidden 384, intermediate 1,536, a vocabulary of 50,368, global attention every third
layer and 128-token local attention in the others, global RoPE theta 80,000, 8,192 positions.
The report does not state the head count; 6 heads of 64 (ModernBERT's head size) is assumed:
the head count does not change the arithmetic of the projections, and little of the attention's.
Compute does not depend on the weights' values, so throughput, CPU use and memory are the real
model's; what it finds is meaningless.

The graph is transformers' own ModernBertModel, exported with torch.onnx.export, the route
optimum and the ONNX community's exports take. The tokenizer is a byte-level BPE of ModernBERT's
vocabulary size trained on Python's standard library (ModernBERT's is OLMo's, trained on web text
and code), with [CLS] … [SEP] around each input as ModernBERT's: token counts close to the real one.

    pip install torch transformers tokenizers onnx && python3 bench/make-modernbert-shaped-onnx.py OUT_DIR

Writes OUT_DIR/onnx/model.onnx, config.json, tokenizer.json, tokenizer_config.json (no
1_Pooling: the ONNX community's export has none; cw knows this model's pooling, CLS).
"""
import argparse
import json
import os

import torch
from stdlib_corpus import stdlib_sources
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import ModernBertConfig, ModernBertModel

H, LAYERS, FF, HEADS, VOCAB, POS = 384, 12, 1536, 6, 50368, 8192


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('out')
    args = ap.parse_args()
    os.makedirs(os.path.join(args.out, 'onnx'), exist_ok=True)
    torch.manual_seed(7)

    config = ModernBertConfig(
        vocab_size=VOCAB, hidden_size=H, num_hidden_layers=LAYERS, intermediate_size=FF, num_attention_heads=HEADS,
        max_position_embeddings=POS, global_attn_every_n_layers=3, local_attention=128,
        global_rope_theta=80000.0, local_rope_theta=10000.0,
        pad_token_id=50283, cls_token_id=50281, sep_token_id=50282, bos_token_id=50281, eos_token_id=50282,
    )
    model = ModernBertModel(config).eval()
    ids = torch.randint(0, VOCAB, (2, 300))
    mask = torch.ones_like(ids)
    mask[1, 200:] = 0
    torch.onnx.export(
        model, (ids, mask), os.path.join(args.out, 'onnx', 'model.onnx'),
        input_names=['input_ids', 'attention_mask'], output_names=['last_hidden_state'],
        dynamic_axes={'input_ids': {0: 'batch', 1: 'sequence'}, 'attention_mask': {0: 'batch', 1: 'sequence'}, 'last_hidden_state': {0: 'batch', 1: 'sequence'}},
        opset_version=17, dynamo=False,
    )

    # A byte-level BPE of ModernBERT's size, ids for the specials at the end as ModernBERT's.
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    specials = ['[UNK]', '[CLS]', '[SEP]', '[PAD]', '[MASK]']
    trainer = trainers.BpeTrainer(vocab_size=VOCAB - len(specials), initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(stdlib_sources(), trainer)
    tok.add_special_tokens(specials)
    cls, sep = tok.token_to_id('[CLS]'), tok.token_to_id('[SEP]')
    tok.post_processor = processors.TemplateProcessing(single='[CLS] $A [SEP]', pair='[CLS] $A [SEP] $B [SEP]', special_tokens=[('[CLS]', cls), ('[SEP]', sep)])
    tok.save(os.path.join(args.out, 'tokenizer.json'))

    files = {
        'config.json': {**config.to_dict(), 'model_type': 'modernbert', 'architectures': ['ModernBertModel']},
        'tokenizer_config.json': {'tokenizer_class': 'PreTrainedTokenizerFast', 'model_max_length': POS, 'cls_token': '[CLS]', 'sep_token': '[SEP]', 'pad_token': '[PAD]'},
    }
    for name, content in files.items():
        with open(os.path.join(args.out, name), 'w') as f:
            json.dump(content, f, default=str)


if __name__ == '__main__':
    main()

"""Text for matching: normalisation and language detection, the tokenizer (the only jieba import),
terms and the zh↔en glossary.
"""

"""The offline demo's sample news web: fictional AI-news outlets served on 127.0.0.1.

``site`` renders the bundled data (``data/*.json``) into feeds and article pages;
``server.SampleWeb`` serves them over HTTP so ``aggregator demo`` can run the real
fetch -> parse -> extract -> cluster pipeline without the internet.
"""

"""A self-hosted AI-news aggregator: feeds in, grounded story cards and a weekly recap out."""

__version__ = "0.1.0"
PROJECT_URL = "https://github.com/ai-news-aggregator/aggregator"

"""The AI chat: a built-in question parser and engine, LLM providers, and the tool loop behind one route."""

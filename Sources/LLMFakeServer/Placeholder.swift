public enum FakeLLMServerPlaceholder {}

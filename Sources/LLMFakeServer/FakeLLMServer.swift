public enum FakePlaceholder {}

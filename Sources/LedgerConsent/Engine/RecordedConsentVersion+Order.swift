extension RecordedConsentVersion {
    /// Whether this version is later than `other` under `latest-wins`: HLC time, then version
    /// id. The order readers use to pick "the newest" head (the HTTP API's current version).
    public func isLater(than other: RecordedConsentVersion) -> Bool {
        ConsentHistory.isLater(self, than: other)
    }
}

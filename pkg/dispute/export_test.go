package dispute

// NewFeedEvent exposes newFeedEvent to the golden tests of the payloads.
var NewFeedEvent = newFeedEvent

package dispute

// NewFeedEvent exposes newFeedEvent to the golden tests of the payloads.
var NewFeedEvent = newFeedEvent

// RemedyReportPayload exposes remedyReportPayload to the same tests.
var RemedyReportPayload = remedyReportPayload

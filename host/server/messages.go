package server

import "github.com/hops-dev/hops/host/router"

// Messages users see, as HarperDB words them. The operation's own
// messages (no operation, unknown, restricted) are the router's.
const (
	MsgNoOperation      = router.MsgNoOperation
	MsgOperationUnknown = router.MsgOperationUnknown
	MsgEmptyBody        = router.MsgEmptyBody
	MsgRestricted       = router.MsgRestricted
	MsgUnsupportedMedia = "Unsupported Media Type: %s"
	MsgBodyTooLarge     = "Request body is larger than the limit of %d bytes"
	MsgNotFound         = "Not found"
	MsgMethodNotAllowed = "Method not allowed"
	MsgHealthy          = "hops is running."
	// MsgMetricsRestricted is the 403 of GET /metrics for a caller who is
	// not a super user.
	MsgMetricsRestricted = "GET /metrics is restricted to 'super_user' roles"
)

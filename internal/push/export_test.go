package push

// FastRequest is the request a push sends over the fasthttp client, for
// the transport-floor benchmark to send exactly what the engine sends.
var FastRequest = fastRequest

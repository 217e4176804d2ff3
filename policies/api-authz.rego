# Authorization for the example orders API (examples/express, examples/koa, examples/fastify).
# Entrypoints: authz/allow (boolean) and authz/decision ({allowed, internal_message, external_message}).
# Input: input.jwt.payload (verified claims) and input.request.http.{method, path}; see policies/README.md.
#
# The classic example's rule "admins may POST" (policies/v0/api-authz-v0.rego) becomes the orders:write permission here;
# reading one order (orders:read) is open to readers too. Requests the table does not cover are denied.
package authz

# The bearer token's claims. The middleware verified them (signature, issuer, audience, expiry) before
# evaluation, so the policy never decodes or verifies the token itself.
claims := input.jwt.payload

method := input.request.http.method

# "/orders/7?expand=1" -> ["orders", "7"]. The query string is cut off in case a caller passes a raw URL.
segments := split(trim(split(input.request.http.path, "?")[0], "/"), "/")

# The caller's roles as a set; a token without a `roles` array has none.
roles contains role if {
	some role in claims.roles
	is_string(role)
}

# The permission a request needs. GET /orders/:id reads one order, POST /orders creates one.
permission := "orders:read" if {
	method == "GET"
	count(segments) == 2
	segments[0] == "orders"
	segments[1] != ""
}

permission := "orders:write" if {
	method == "POST"
	segments == ["orders"]
}

# Which roles grant which permission, and how a refusal explains it to the client.
grants := {
	"orders:read": {"reader", "admin"},
	"orders:write": {"admin"},
}

requirement := {
	"orders:read": "orders:read requires the reader or admin role",
	"orders:write": "orders:write requires the admin role",
}

# ---- authz/allow: the boolean form
default allow := false

allow if {
	some role in grants[permission]
	role in roles
}

# ---- authz/decision: the Maverics-style output schema

# Who asked, for the logs (internal_message only).
default subject := "an anonymous caller"

subject := sprintf("subject %s", [claims.sub]) if is_string(claims.sub)

default role_list := "no roles"

role_list := sprintf("roles [%s]", [concat(", ", sort(roles))]) if count(roles) > 0

route := sprintf("%s %s", [method, input.request.http.path])

# Fail closed with a readable reason when the input lacks the HTTP request (not an HTTP input at all).
default decision := {
	"allowed": false,
	"internal_message": "the input has no input.request.http method and path",
	"external_message": "unauthorized",
}

decision := {
	"allowed": true,
	"internal_message": sprintf("%s with %s granted %s on %s", [subject, role_list, permission, route]),
	"external_message": "authorized",
} if {
	allow
} else := {
	"allowed": false,
	"internal_message": sprintf("%s with %s denied %s on %s", [subject, role_list, permission, route]),
	"external_message": requirement[permission],
} if {
	permission
} else := {
	"allowed": false,
	"internal_message": sprintf("%s with %s: no rule covers %s", [subject, role_list, route]),
	"external_message": "this endpoint is not covered by the API policy",
}

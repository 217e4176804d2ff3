# Gates MCP tool calls (the Maverics MCP Proxy example, in Rego v1), for `@opa-jwt/*` in front of an MCP server.
# Entrypoint: mcp/tools/result. Input: see policies/mcp-tools.md.
package mcp.tools

# The bearer token's claims. The middleware verified them (signature, issuer, audience, expiry) before
# evaluation, so unlike the Maverics example this policy does not decode the Authorization header itself.
claims := input.jwt.payload

# OAuth's space-separated `scope` claim as a set: `"tickets:read" in scopes` is an exact match, where the original example's
# `contains(scope, "tickets:read")` would also accept a scope such as "tickets:readonly".
scopes := {s | some s in split(claims.scope, " "); s != ""}

mcp := input.request.mcp

tool_name := mcp.tool.params.name

seats := mcp.tool.params.arguments.seats

default result["allowed"] := false

# The protocol's own messages (initialize, tools/list, ping, notifications, answers to server requests) carry no
# tool call; any authenticated caller may send them, otherwise an agent could not even list the tools.
result["allowed"] if {
	mcp.type in {"method", "response"}
	is_object(claims)
}

# Streamable HTTP's GET (server-to-client stream) and DELETE (end of session) carry no tool call either.
result["allowed"] if {
	input.request.http.method in {"GET", "DELETE"}
	is_object(claims)
}

# The original example's rule: get_ticket_price with the tickets:read scope.
result["allowed"] if {
	tool_name == "get_ticket_price"
	"tickets:read" in scopes
}

# book_ticket changes state: it needs tickets:write, and books 1 to 4 seats per call.
result["allowed"] if {
	tool_name == "book_ticket"
	"tickets:write" in scopes
	is_number(seats)
	seats >= 1
	seats <= 4
}

# Shown to the agent (as the JSON-RPC error message): what to change to be allowed.
refusal := "get_ticket_price needs the tickets:read scope" if {
	tool_name == "get_ticket_price"
} else := "book_ticket needs the tickets:write scope" if {
	tool_name == "book_ticket"
	not "tickets:write" in scopes
} else := "book_ticket books between 1 and 4 seats per call" if {
	tool_name == "book_ticket"
} else := "unauthorized, contact support@example.com"

result["external_message"] := refusal if {
	not result.allowed
}

result["internal_message"] := "access is only permitted to the 'get_ticket_price' (tickets:read) or 'book_ticket' (tickets:write, 1-4 seats) tools" if {
	not result.allowed
}

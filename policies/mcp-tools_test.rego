# Unit tests for mcp-tools.rego, run by test/policies/policies.test.ts (each test_ rule must be true).
# The inputs follow the Maverics-style MCP Proxy input schema, plus input.jwt.payload: the claims of the bearer token,
# which the middleware verified before the policy runs.
package mcp.tools_test

claims(scope) := {"sub": "alice", "client_id": "agent-1", "scope": scope}

http := {
	"host": "mcp.example.com",
	"method": "POST",
	"path": "/mcp",
	"headers": {"Content-Type": "application/json", "User-Agent": "MCP-Client/1.0"},
}

tool_call(name, arguments, scope) := {
	"source": {"ip": "192.168.1.100"},
	"jwt": {"payload": claims(scope)},
	"request": {
		"http": http,
		"mcp": {"type": "tool", "method": "tools/call", "id": 1, "tool": {"params": {"name": name, "arguments": arguments}}},
	},
}

message(method, scope) := {
	"source": {"ip": "192.168.1.100"},
	"jwt": {"payload": claims(scope)},
	"request": {"http": http, "mcp": {"type": "method", "method": method, "id": 2}},
}

denial(external) := {
	"allowed": false,
	"external_message": external,
	"internal_message": "access is only permitted to the 'get_ticket_price' (tickets:read) or 'book_ticket' (tickets:write, 1-4 seats) tools",
}

# ---- get_ticket_price: the original example's rule

test_get_ticket_price_with_tickets_read_is_allowed if {
	req := tool_call("get_ticket_price", {"route": "SFO-JFK"}, "tickets:read")
	result := data.mcp.tools.result with input as req
	result == {"allowed": true}
}

test_get_ticket_price_among_other_scopes_is_allowed if {
	req := tool_call("get_ticket_price", {"route": "SFO-JFK"}, "openid tickets:read profile")
	data.mcp.tools.result.allowed with input as req
}

test_get_ticket_price_without_the_scope_is_denied if {
	req := tool_call("get_ticket_price", {"route": "SFO-JFK"}, "profile")
	result := data.mcp.tools.result with input as req
	result == denial("get_ticket_price needs the tickets:read scope")
}

# The original example's contains(scope, "tickets:read") would accept this scope; a set of scopes does not.
test_a_scope_that_only_starts_with_tickets_read_is_not_tickets_read if {
	req := tool_call("get_ticket_price", {"route": "SFO-JFK"}, "tickets:readonly")
	result := data.mcp.tools.result with input as req
	result.allowed == false
}

test_a_token_without_scope_claim_is_denied if {
	req := json.remove(tool_call("get_ticket_price", {"route": "SFO-JFK"}, ""), ["jwt/payload/scope"])
	result := data.mcp.tools.result with input as req
	result.allowed == false
}

# ---- book_ticket: a write scope and an argument check

test_book_ticket_with_tickets_write_and_2_seats_is_allowed if {
	req := tool_call("book_ticket", {"route": "SFO-JFK", "seats": 2}, "tickets:read tickets:write")
	result := data.mcp.tools.result with input as req
	result == {"allowed": true}
}

test_book_ticket_seat_bounds_are_inclusive if {
	one := tool_call("book_ticket", {"route": "SFO-JFK", "seats": 1}, "tickets:write")
	four := tool_call("book_ticket", {"route": "SFO-JFK", "seats": 4}, "tickets:write")
	data.mcp.tools.result.allowed with input as one
	data.mcp.tools.result.allowed with input as four
}

test_book_ticket_with_only_tickets_read_is_denied if {
	req := tool_call("book_ticket", {"route": "SFO-JFK", "seats": 2}, "tickets:read")
	result := data.mcp.tools.result with input as req
	result == denial("book_ticket needs the tickets:write scope")
}

test_book_ticket_with_5_seats_is_denied if {
	req := tool_call("book_ticket", {"route": "SFO-JFK", "seats": 5}, "tickets:write")
	result := data.mcp.tools.result with input as req
	result == denial("book_ticket books between 1 and 4 seats per call")
}

test_book_ticket_with_0_seats_is_denied if {
	req := tool_call("book_ticket", {"route": "SFO-JFK", "seats": 0}, "tickets:write")
	result := data.mcp.tools.result with input as req
	result.external_message == "book_ticket books between 1 and 4 seats per call"
}

test_book_ticket_with_seats_as_a_string_is_denied if {
	req := tool_call("book_ticket", {"route": "SFO-JFK", "seats": "2"}, "tickets:write")
	result := data.mcp.tools.result with input as req
	result.allowed == false
}

test_book_ticket_without_seats_is_denied if {
	req := tool_call("book_ticket", {"route": "SFO-JFK"}, "tickets:write")
	result := data.mcp.tools.result with input as req
	result.external_message == "book_ticket books between 1 and 4 seats per call"
}

# ---- everything else

test_the_schema_example_tool_is_denied_with_the_example_message if {
	req := tool_call("listUsers", {"exampleBodyKeyAlpha": 10, "exampleBodyKeyBeta": true}, "tickets:read tickets:write")
	result := data.mcp.tools.result with input as req
	result == denial("unauthorized, contact support@example.com")
}

test_protocol_messages_are_allowed_with_a_verified_token if {
	initialize := message("initialize", "")
	list := message("tools/list", "tickets:read")
	data.mcp.tools.result.allowed with input as initialize
	data.mcp.tools.result.allowed with input as list
}

test_protocol_messages_without_claims_are_denied if {
	req := json.remove(message("tools/list", "tickets:read"), ["jwt"])
	result := data.mcp.tools.result with input as req
	result.allowed == false
}

test_stream_and_session_end_are_allowed_with_a_verified_token if {
	get := {"jwt": {"payload": claims("")}, "request": {"http": object.union(http, {"method": "GET"})}}
	delete := {"jwt": {"payload": claims("")}, "request": {"http": object.union(http, {"method": "DELETE"})}}
	data.mcp.tools.result.allowed with input as get
	data.mcp.tools.result.allowed with input as delete
}

test_resource_reads_are_denied if {
	req := {
		"jwt": {"payload": claims("tickets:read tickets:write")},
		"request": {"http": http, "mcp": {"type": "resource", "method": "resources/read", "id": 3, "resource": {"params": {"uri": "file:///etc/passwd"}}}},
	}
	result := data.mcp.tools.result with input as req
	result.allowed == false
}

test_a_tool_call_without_a_token_is_denied if {
	req := json.remove(tool_call("get_ticket_price", {"route": "SFO-JFK"}, "tickets:read"), ["jwt"])
	result := data.mcp.tools.result with input as req
	result == denial("get_ticket_price needs the tickets:read scope")
}

# The seed's "MCP Proxy App & MCP Bridge App Example" policy (../shared/seeds/004_*.txt), verbatim below this
# comment. test/policies/policies.test.ts compares policies/mcp-tools.rego with it on seed-shaped inputs.
package orchestrator

# Default deny policy - all requests are denied unless explicitly allowed
default result["allowed"] := false

# Helper rule to extract and decode JWT from Authorization header
# Parses the Bearer token and returns the decoded payload for policy evaluation
jwt_payload := payload if {
	auth_header := input.request.http.headers.Authorization
	startswith(auth_header, "Bearer ")
	token := substring(auth_header, 7, -1)
	[_, payload, _] := io.jwt.decode(token)
}

# Allows access to the get_ticket_price tool if the token contains the tickets:read scope.
# Logs the tool name, client ID, and subject for audit purposes.
result["allowed"] if {
	print("request made to tool: ", input.request.mcp.tool.params.name)
	input.request.mcp.tool.params.name == "get_ticket_price"
	
	print("request made with client of: ", jwt_payload.client_id)
	contains(jwt_payload.scope, "tickets:read")
	
	print("access granted to subject:", jwt_payload.sub)
}

result["internal_message"] := "access is only permitted to the 'get_ticket_price' or 'list_available_seats' tools" if {
	not result.allowed
}

result["external_message"] := "unauthorized, contact support@example.com" if {
	not result.allowed
}

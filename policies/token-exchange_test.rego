# Unit tests for token-exchange.rego, run by test/policies/policies.test.ts (each test_ rule must be true).
# The inputs follow the Maverics-style OIDC app input schema (input.request.oauth); the middleware fills both `scope` and
# `scopes` with the request's scope parameter, and subject_token.claims from the verified subject token.
package oauth.token_exchange_test

token_exchange := "urn:ietf:params:oauth:grant-type:token-exchange"

exchange(requested, subject_scope) := {
	"source": {"ip": "192.168.1.100"},
	"request": {
		"http": {"host": "mcp.example.com", "method": "POST", "path": "/token", "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
		"oauth": {
			"client_id": "325859cf-5bbe-492f-b9e7-929f2bed1230",
			"grant_type": token_exchange,
			"scope": requested,
			"scopes": requested,
			"subject_token": {"claims": {"scope": subject_scope}},
			"actor_token": {"claims": {"scope": "openid"}},
		},
	},
}

refused := {
	"allowed": false,
	"internal_message": "requested scopes exceed subject_token scopes",
	"external_message": "invalid_scope",
}

test_narrowing_the_scopes_is_allowed if {
	req := exchange("api:read", "api:read api:write")
	result := data.oauth.token_exchange.result with input as req
	result == {"allowed": true}
}

test_keeping_the_same_scopes_in_another_order_is_allowed if {
	req := exchange("api:write api:read", "api:read api:write")
	data.oauth.token_exchange.result.allowed with input as req
}

test_requesting_no_scope_is_allowed if {
	req := exchange("", "api:read")
	data.oauth.token_exchange.result.allowed with input as req
}

test_extra_spaces_between_scopes_are_ignored if {
	req := exchange("  api:read   api:write ", "api:read api:write")
	data.oauth.token_exchange.result.allowed with input as req
}

# The Maverics-style schema's own example: read:users write:settings from a token holding api:read api:write.
test_the_schema_example_widens_the_scopes_and_is_refused if {
	req := exchange("read:users write:settings", "api:read api:write")
	result := data.oauth.token_exchange.result with input as req
	result == refused
}

test_adding_one_scope_is_refused if {
	req := exchange("api:read api:admin", "api:read api:write")
	result := data.oauth.token_exchange.result with input as req
	result == refused
}

test_scopes_are_compared_whole_not_as_prefixes if {
	req := exchange("api:readwrite", "api:read api:write")
	not data.oauth.token_exchange.result.allowed with input as req
}

test_a_subject_token_without_scope_allows_no_scope if {
	req := json.remove(exchange("api:read", ""), ["request/oauth/subject_token/claims/scope"])
	result := data.oauth.token_exchange.result with input as req
	result == refused
}

test_the_actor_token_scopes_do_not_count if {
	req := exchange("openid", "api:read")
	not data.oauth.token_exchange.result.allowed with input as req
}

test_other_grant_types_are_not_restricted if {
	client_credentials := json.remove(exchange("anything at all", "api:read"), ["request/oauth/grant_type", "request/oauth/subject_token"])
	req := object.union(client_credentials, {"request": {"oauth": {"grant_type": "client_credentials"}}})
	result := data.oauth.token_exchange.result with input as req
	result == {"allowed": true}
}

# Mounted anywhere but a token endpoint, the policy denies (grant_type != ... is undefined without oauth input).
test_a_request_that_is_not_a_token_request_is_denied if {
	req := {"request": {"http": {"method": "GET", "path": "/token"}}}
	result := data.oauth.token_exchange.result with input as req
	result == refused
}

# Token exchange may only narrow scopes (the Maverics OIDC app example, in Rego v1).
# Entrypoint: oauth/token_exchange/result. Input: see policies/token-exchange.md.
package oauth.token_exchange

token_exchange := "urn:ietf:params:oauth:grant-type:token-exchange"

default result["allowed"] := false

# Allow all non-token-exchange grant types.
result["allowed"] if {
	input.request.oauth.grant_type != token_exchange
}

# Scopes as sets. An absent `scope` parameter requests nothing beyond the subject token (empty set).
requested_scopes := {s | some s in split(input.request.oauth.scope, " "); s != ""}

# The subject token's claims were verified by the middleware with its own issuer configuration.
subject_scopes := {s | some s in split(input.request.oauth.subject_token.claims.scope, " "); s != ""}

# For token exchange grants, allow if requested scopes are a subset of subject token scopes.
result["allowed"] if {
	input.request.oauth.grant_type == token_exchange
	count(requested_scopes - subject_scopes) == 0
}

result["internal_message"] := "requested scopes exceed subject_token scopes" if {
	not result.allowed
}

# RFC 6749 §5.2 error code: the middleware answers the token request with 400 {"error": "invalid_scope"}.
result["external_message"] := "invalid_scope" if {
	not result.allowed
}

output "function_urls" {
  description = "Function URLs by function (api: web console and web API, sync: devices)."
  value       = module.tenant.function_urls
}

output "relay_url" {
  description = "SSE relay URL handed to devices."
  value       = module.tenant.relay_url
}

output "relay_alb_dns_name" {
  description = "Point the relay's DNS name here."
  value       = module.tenant.relay_alb_dns_name
}

output "admin_token_secret_arn" {
  description = "Read once to create the first administrator."
  value       = module.tenant.admin_token_secret_arn
}

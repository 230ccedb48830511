output "function_urls" {
  description = "Function URL (through the SnapStart alias) of each Lambda function, by key. Devices use the sync URL; the web console is served at / of the api URL."
  value       = { for k, u in aws_lambda_function_url.this : k => u.function_url }
}

output "function_names" {
  description = "Name of each Lambda function, by key."
  value       = { for k, f in aws_lambda_function.this : k => f.function_name }
}

output "function_alias_arns" {
  description = "ARN of the SnapStart alias of each Lambda function, by key (what the Function URLs invoke)."
  value       = { for k, a in aws_lambda_alias.live : k => a.arn }
}

output "function_published_versions" {
  description = "Published version the alias of each Lambda function points at, by key."
  value       = { for k, f in aws_lambda_function.this : k => f.version }
}

output "function_role_arns" {
  description = "Execution role of each Lambda function, by key."
  value       = { for k, r in aws_iam_role.function : k => r.arn }
}

output "relay_url" {
  description = "Public https URL of the SSE relay (relay_public_url, or the ALB's DNS name). Point relay_public_url's DNS name at relay_alb_dns_name."
  value       = local.relay_url
}

output "relay_alb_dns_name" {
  description = "DNS name of the relay's load balancer (target of the relay's DNS record)."
  value       = aws_lb.relay.dns_name
}

output "relay_alb_zone_id" {
  description = "Route 53 hosted zone of the relay's load balancer, for an alias record."
  value       = aws_lb.relay.zone_id
}

output "ecs_cluster_name" {
  description = "ECS cluster that runs the relay."
  value       = aws_ecs_cluster.this.name
}

output "relay_service_name" {
  description = "ECS service of the relay."
  value       = aws_ecs_service.relay.name
}

output "db_proxy_endpoint" {
  description = "RDS Proxy endpoint the functions and the relay connect to."
  value       = aws_db_proxy.this.endpoint
}

output "jdbc_url" {
  description = "JDBC URL of the tenant database through RDS Proxy (TLS required)."
  value       = local.jdbc_url
}

output "db_instance_identifier" {
  description = "RDS instance created for the tenant; null with database_mode = existing."
  value       = var.database_mode == "rds" ? aws_db_instance.this[0].identifier : null
}

output "redis_uri" {
  description = "Valkey address (rediss://host:port, TLS; the URL with credentials is in redis_secret_arn)."
  value       = local.redis_uri
}

output "redis_mode" {
  description = "standalone (ElastiCache) or cluster (MemoryDB): how clients must connect to Valkey."
  value       = local.redis_mode
}

output "db_secret_arn" {
  description = "Secret with the database credentials (JSON: username, password): created by the module with database_mode = rds, the operator's with existing. RDS Proxy logs in with it; the relay gets it injected."
  value       = local.db_secret_arn
}

output "jwt_secret_arn" {
  description = "Secret holding the JWT signing key."
  value       = aws_secretsmanager_secret.jwt.arn
}

output "admin_token_secret_arn" {
  description = "Secret holding the operator token (POSDUIF_ADMIN_TOKEN, bearer for the admin API)."
  value       = aws_secretsmanager_secret.admin_token.arn
}

output "redis_secret_arn" {
  description = "Secret holding the Valkey credentials (JSON: username, password, url with credentials)."
  value       = aws_secretsmanager_secret.redis.arn
}

output "kms_key_arn" {
  description = "Customer-managed KMS key of the tenant (secrets, database, Valkey, logs)."
  value       = aws_kms_key.tenant.arn
}

output "log_group_names" {
  description = "CloudWatch log groups: one per function (by key), the relay, and (ElastiCache only) the Valkey slow log."
  value = merge(
    { for k, g in aws_cloudwatch_log_group.function : "function-${k}" => g.name },
    { relay = aws_cloudwatch_log_group.relay.name },
    { for g in aws_cloudwatch_log_group.redis : "valkey" => g.name },
  )
}

output "alarm_names" {
  description = "Names of the CloudWatch alarms of the stack."
  value = concat(
    [for a in aws_cloudwatch_metric_alarm.simple : a.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.lambda_error_rate : a.alarm_name],
  )
}

output "security_group_ids" {
  description = "Security groups of the stack by role (functions, relay, alb, db_proxy, redis, database, endpoints). With database_mode = existing, admit db_proxy on the database's own group."
  value       = { for k, g in aws_security_group.this : k => g.id }
}

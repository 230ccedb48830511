# Secrets of the tenant, kept in Secrets Manager (encrypted with the tenant key) for RDS Proxy,
# the relay (ECS injects them at task start) and operators.
#
# The functions read their configuration from the environment (functions/application.yml:
# POSDUIF_JWT_SECRET, POSDUIF_DATABASE_PASSWORD, ...), so Terraform hands them the values as
# Lambda environment variables, encrypted with the tenant key. The values are therefore in
# Terraform state: keep state in an encrypted, access-controlled backend. Terraform is the rotation
# mechanism: increase var.secrets_generation and apply, and the database password, the secrets,
# the functions (a new published version, so a new SnapStart snapshot) and the relay tasks change
# together.

resource "random_password" "jwt" {
  # HS256 signing key: 64 letters and digits, about 380 bits.
  length  = 64
  special = false
  keepers = { generation = var.secrets_generation }
}

resource "random_password" "admin_token" {
  length  = 48
  special = false
  keepers = { generation = var.secrets_generation }
}

resource "random_password" "redis" {
  length  = 64
  special = false
  keepers = { generation = var.secrets_generation }
}

resource "random_password" "database" {
  count   = var.database_mode == "rds" ? 1 : 0
  length  = 40
  special = false
  keepers = { generation = var.secrets_generation }
}

resource "aws_secretsmanager_secret" "jwt" {
  name                    = "${local.name}/jwt-signing-key"
  description             = "Posduif tenant ${var.tenant_id}: HMAC key that signs web and device JWTs"
  kms_key_id              = aws_kms_key.tenant.arn
  recovery_window_in_days = 7
  tags                    = local.tags
}

resource "aws_secretsmanager_secret_version" "jwt" {
  secret_id     = aws_secretsmanager_secret.jwt.id
  secret_string = random_password.jwt.result
}

resource "aws_secretsmanager_secret" "admin_token" {
  name                    = "${local.name}/admin-token"
  description             = "Posduif tenant ${var.tenant_id}: operator bearer token (POSDUIF_ADMIN_TOKEN, admin API only)"
  kms_key_id              = aws_kms_key.tenant.arn
  recovery_window_in_days = 7
  tags                    = local.tags
}

resource "aws_secretsmanager_secret_version" "admin_token" {
  secret_id     = aws_secretsmanager_secret.admin_token.id
  secret_string = random_password.admin_token.result
}

resource "aws_secretsmanager_secret" "redis" {
  name                    = "${local.name}/redis"
  description             = "Posduif tenant ${var.tenant_id}: Valkey credentials (JSON: username, password, url)"
  kms_key_id              = aws_kms_key.tenant.arn
  recovery_window_in_days = 7
  tags                    = local.tags
}

resource "aws_secretsmanager_secret_version" "redis" {
  secret_id = aws_secretsmanager_secret.redis.id
  secret_string = jsonencode({
    username = local.redis_username
    password = random_password.redis.result
    url      = local.redis_url_with_credentials
  })
}

# database_mode = rds: the engine's credentials, also what RDS Proxy logs in with.
resource "aws_secretsmanager_secret" "database" {
  count                   = var.database_mode == "rds" ? 1 : 0
  name                    = "${local.name}/database"
  description             = "Posduif tenant ${var.tenant_id}: PostgreSQL credentials (JSON: username, password)"
  kms_key_id              = aws_kms_key.tenant.arn
  recovery_window_in_days = 7
  tags                    = local.tags
}

resource "aws_secretsmanager_secret_version" "database" {
  count     = var.database_mode == "rds" ? 1 : 0
  secret_id = aws_secretsmanager_secret.database[0].id
  secret_string = jsonencode({
    username = local.database_username
    password = random_password.database[0].result
  })
}

# database_mode = existing: the operator's secret, read so the functions can be configured.
data "aws_secretsmanager_secret_version" "existing_database" {
  count     = var.database_mode == "existing" ? 1 : 0
  secret_id = var.existing_database_credentials_secret_arn
}

locals {
  database_username = "posduif_app"

  # JSON {username, password}: ours, or the secret the operator brought.
  db_secret_arn = var.database_mode == "rds" ? aws_secretsmanager_secret.database[0].arn : var.existing_database_credentials_secret_arn

  database_credentials = var.database_mode == "rds" ? {
    username = local.database_username
    password = random_password.database[0].result
  } : jsondecode(data.aws_secretsmanager_secret_version.existing_database[0].secret_string)

  # KMS keys that must decrypt the DB secret.
  db_secret_kms_key_arns = var.database_mode == "rds" ? [aws_kms_key.tenant.arn] : compact([var.existing_database_credentials_kms_key_arn])
}

# The functions: one Micronaut jar, one handler, deployed as one or more Lambda functions
# (var.lambda_functions). SnapStart restores published versions only, so every deploy publishes a
# version and moves the alias; Function URLs point at the alias, never at $LATEST.

locals {
  lambda_handler = "io.micronaut.function.aws.proxy.payload2.APIGatewayV2HTTPEventFunction"

  # The functions' configuration, in the names functions/src/main/resources/application.yml reads.
  # Secret values are included (see secrets.tf) and encrypted at rest with the tenant key; they are
  # configuration read at init, not values made before the SnapStart checkpoint.
  function_environment = merge(
    {
      MICRONAUT_ENVIRONMENTS    = "lambda"
      JAVA_TOOL_OPTIONS         = var.lambda_java_tool_options
      POSDUIF_TENANT_ID         = var.tenant_id
      POSDUIF_DATABASE_URL      = local.jdbc_url
      POSDUIF_DATABASE_USER     = local.database_credentials.username
      POSDUIF_DATABASE_PASSWORD = local.database_credentials.password
      POSDUIF_DATABASE_POOL     = tostring(var.lambda_database_pool_size)
      POSDUIF_JWT_SECRET        = random_password.jwt.result
      POSDUIF_ADMIN_TOKEN       = random_password.admin_token.result
      POSDUIF_REDIS_URL         = local.redis_url_with_credentials
      POSDUIF_REDIS_MODE        = local.redis_mode
      POSDUIF_RELAY_PUBLIC_URL  = local.relay_url
    },
    var.public_base_url == null ? {} : { POSDUIF_PUBLIC_BASE_URL = var.public_base_url },
  )
}

resource "aws_cloudwatch_log_group" "function" {
  for_each = var.lambda_functions

  name              = "/aws/lambda/${local.name}-${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.tenant.arn
  tags              = local.tags
}

resource "aws_lambda_function" "this" {
  for_each = var.lambda_functions

  function_name = "${local.name}-${each.key}"
  description   = "Posduif tenant ${var.tenant_id}: ${each.key} endpoints"
  role          = aws_iam_role.function[each.key].arn
  runtime       = "java21"
  handler       = local.lambda_handler
  architectures = [var.lambda_architecture]
  memory_size   = each.value.memory_mb
  timeout       = each.value.timeout_seconds

  s3_bucket         = var.functions_package_s3_bucket
  s3_key            = var.functions_package_s3_key
  s3_object_version = var.functions_package_s3_object_version

  publish = true
  snap_start {
    apply_on = "PublishedVersions"
  }

  reserved_concurrent_executions = each.value.reserved_concurrency == null ? -1 : each.value.reserved_concurrency

  vpc_config {
    subnet_ids         = var.private_subnet_ids
    security_group_ids = [aws_security_group.this["functions"].id]
  }

  # Encrypts the environment (it holds secrets) and the SnapStart snapshots with the tenant key.
  kms_key_arn = aws_kms_key.tenant.arn
  environment {
    variables = local.function_environment
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.function[each.key].name
  }

  tags = local.tags

  depends_on = [aws_iam_role_policy.function]
}

resource "aws_lambda_alias" "live" {
  for_each = var.lambda_functions

  name             = var.lambda_alias_name
  description      = "Latest published (SnapStart) version"
  function_name    = aws_lambda_function.this[each.key].function_name
  function_version = aws_lambda_function.this[each.key].version
}

resource "aws_lambda_function_url" "this" {
  for_each = var.lambda_functions

  function_name = aws_lambda_function.this[each.key].function_name
  qualifier     = aws_lambda_alias.live[each.key].name
  # The engine authenticates every request itself (web and device JWTs, enrollment tokens).
  authorization_type = "NONE"
  invoke_mode        = "BUFFERED"

  cors {
    allow_origins     = [var.console_origin]
    allow_methods     = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    allow_headers     = ["authorization", "content-type", "content-encoding", "x-device-id", "last-event-id"]
    expose_headers    = ["retry-after", "content-encoding"]
    allow_credentials = false
    max_age           = 600
  }
}

# Public Function URLs need both statements; each is limited to calls that come through the URL.
# (Provider 6.28+ also adds the second one by itself when it creates the URL; declaring it keeps it
# under Terraform's control and scoped to the alias.)
resource "aws_lambda_permission" "function_url" {
  for_each = var.lambda_functions

  statement_id           = "PublicFunctionUrl"
  action                 = "lambda:InvokeFunctionUrl"
  function_name          = aws_lambda_function.this[each.key].function_name
  qualifier              = aws_lambda_alias.live[each.key].name
  principal              = "*"
  function_url_auth_type = "NONE"
}

resource "aws_lambda_permission" "function_url_invoke" {
  for_each = var.lambda_functions

  statement_id             = "PublicFunctionUrlInvoke"
  action                   = "lambda:InvokeFunction"
  function_name            = aws_lambda_function.this[each.key].function_name
  qualifier                = aws_lambda_alias.live[each.key].name
  principal                = "*"
  invoked_via_function_url = true
}

# --- IAM: one role per function -------------------------------------------------------------------

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "function" {
  for_each = var.lambda_functions

  name               = "${local.name}-fn-${each.key}"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
  tags               = local.tags
}

data "aws_iam_policy_document" "function" {
  for_each = var.lambda_functions

  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.function[each.key].arn}:*"]
  }

  # Lambda attaches the function to the VPC through ENIs; these actions do not support
  # resource-level permissions.
  statement {
    sid = "VpcNetworkInterfaces"
    actions = [
      "ec2:CreateNetworkInterface",
      "ec2:DescribeNetworkInterfaces",
      "ec2:DescribeSubnets",
      "ec2:DeleteNetworkInterface",
      "ec2:AssignPrivateIpAddresses",
      "ec2:UnassignPrivateIpAddresses",
    ]
    resources = ["*"]
  }

  # The environment and the SnapStart snapshot are encrypted with the tenant key; decryption
  # only through the Lambda service.
  statement {
    sid       = "DecryptEnvironmentAndSnapshot"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.tenant.arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["lambda.${local.region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "function" {
  for_each = var.lambda_functions

  name   = "posduif-function"
  role   = aws_iam_role.function[each.key].id
  policy = data.aws_iam_policy_document.function[each.key].json
}

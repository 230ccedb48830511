variable "region" {
  description = "AWS region of the tenant stack."
  type        = string
  default     = "eu-west-1"
}

variable "environment" {
  description = "Environment tag (e.g. production, staging) put on every resource."
  type        = string
  default     = "production"
}

variable "tenant_id" {
  description = "Posduif tenant id ([a-z][a-z0-9_]{0,39})."
  type        = string
  default     = "acme"
}

variable "vpc_id" {
  description = "Existing VPC to deploy into."
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets (two or more AZs) of that VPC."
  type        = list(string)
}

variable "public_subnet_ids" {
  description = "Public subnets (two or more AZs) of that VPC, for the relay's load balancer."
  type        = list(string)
}

variable "console_origin" {
  description = "Origin the web console is served from (https://...)."
  type        = string
}

variable "functions_package_s3_bucket" {
  description = "Bucket the functions jar was uploaded to."
  type        = string
}

variable "functions_package_s3_key" {
  description = "Key of the uploaded functions jar (change it per release)."
  type        = string
}

variable "relay_image" {
  description = "Relay image in ECR, pinned by tag or digest."
  type        = string
}

variable "relay_certificate_arn" {
  description = "ACM certificate covering relay_public_url's host."
  type        = string
}

variable "relay_public_url" {
  description = "Public https URL of the relay (a DNS name pointed at the ALB)."
  type        = string
  default     = null
}

variable "alarm_email_topic_arn" {
  description = "SNS topic for alarms; null for none."
  type        = string
  default     = null
}

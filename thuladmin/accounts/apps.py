from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "thuladmin.accounts"
    label = "accounts"

from django.urls import path

from compliance import views

app_name = "compliance"

urlpatterns = [
    path("breaches/", views.breaches, name="breaches"),
    path("breaches/<int:pk>/", views.breach_detail, name="breach"),
    path("cardholders/", views.cardholders, name="cardholders"),
    path("cardholders/<int:pk>/file/", views.cardholder_file, name="cardholder-file"),
]

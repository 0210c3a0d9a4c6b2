"""HTTP routes of user management."""

from fastapi import APIRouter, Depends, Header, HTTPException, status

from app.features.administration.users.schemas import UserCreate, UserResponse, UserUpdate
from app.features.administration.users.services.crud_services import UserService
from app.features.auth.dependencies import get_current_user
from app.features.core.database import get_db

router = APIRouter(prefix="/users", tags=["users"])


@router.post("", response_model=UserResponse, status_code=status.HTTP_201_CREATED)
async def post_user(
    user_data: UserCreate,
    x_tenant_id: str = Header(default="default"),
    current_user=Depends(get_current_user),
    db=Depends(get_db),
) -> UserResponse:
    """Create a user in the caller's tenant."""
    service = UserService(db, x_tenant_id)
    try:
        return await service.create_user(user_data)
    except ValueError as e:
        raise HTTPException(status_code=status.HTTP_409_CONFLICT, detail=str(e))


@router.patch("/{user_id}", response_model=UserResponse)
async def patch_user(
    user_id: str,
    user_data: UserUpdate,
    x_tenant_id: str = Header(default="default"),
    current_user=Depends(get_current_user),
    db=Depends(get_db),
) -> UserResponse:
    """Update a user of the caller's tenant."""
    service = UserService(db, x_tenant_id)
    try:
        user = await service.update_user(user_id, user_data)
    except ValueError as e:
        raise HTTPException(status_code=status.HTTP_400_BAD_REQUEST, detail=str(e))
    if user is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="User not found")
    return user
